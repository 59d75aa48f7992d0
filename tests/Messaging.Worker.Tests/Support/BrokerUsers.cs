namespace Messaging.Worker.Tests.Support;

/// <summary>
/// Broker users of the test node (<c>infra/start-rabbitmq.sh</c>'s, named after its port), made with <c>rabbitmqctl</c>
/// for a test and deleted after it: publishers with users of their own, as a shared broker gives each service.
/// </summary>
internal sealed class BrokerUsers(Uri broker) : IAsyncDisposable
{
    private readonly List<string> _users = [];

    /// <summary>
    /// Adds <paramref name="user"/> (password the same) with the given permissions on the default virtual host (each a
    /// regular expression of the names it covers; every permission by default); returns its AMQP URL.
    /// </summary>
    public async Task<Uri> AddAsync(string user, string configure = ".*", string write = ".*", string read = ".*")
    {
        await CtlAsync("add_user", user, user);
        _users.Add(user);
        await CtlAsync("set_permissions", "-p", "/", user, configure, write, read);
        return new UriBuilder(broker) { UserName = user, Password = user }.Uri;
    }

    private Task<string> CtlAsync(params string[] arguments) => RabbitCtl.RunAsync(broker, arguments);

    public async ValueTask DisposeAsync()
    {
        foreach (var user in _users)
        {
            try
            {
                await CtlAsync("delete_user", user);
            }
            catch (InvalidOperationException)
            {
                // Gone with its node already.
            }
        }
    }
}
