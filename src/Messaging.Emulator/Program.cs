var app = Messaging.Emulator.EmulatorApp.Build(args);
app.Run();
