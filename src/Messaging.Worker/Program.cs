using Messaging.Worker.Infrastructure;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.Services.AddMessagingWorker(builder.Configuration);

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
