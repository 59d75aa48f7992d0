namespace Messaging.Interactions;
