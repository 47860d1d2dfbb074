using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;

namespace Monitoring.Testing;

/// <summary>A RabbitMQ virtual host of a test's own, created through the management API and deleted afterwards.</summary>
public sealed class RabbitMqVirtualHost : IAsyncDisposable
{
    private readonly HttpClient _management;

    private RabbitMqVirtualHost(string name, HttpClient management)
    {
        Name = name;
        _management = management;
        var broker = TestServers.RabbitMq;
        AmqpUri = new UriBuilder(broker) { Path = "/" + Uri.EscapeDataString(name) }.Uri;
    }

    public string Name { get; }

    /// <summary>The amqp:// URI of this virtual host (what MONITORING_RABBITMQ is set to).</summary>
    public Uri AmqpUri { get; }

    public HttpClient Management => _management;

    public static async Task<RabbitMqVirtualHost> CreateAsync(string prefix = "test")
    {
        var name = TestServers.UniqueName(prefix);
        var management = ManagementClient();
        var path = Uri.EscapeDataString(name);
        (await management.PutAsync($"api/vhosts/{path}", null)).EnsureSuccessStatusCode();
        var user = Uri.UnescapeDataString(TestServers.RabbitMq.UserInfo.Split(':')[0]);
        (await management.PutAsJsonAsync($"api/permissions/{path}/{Uri.EscapeDataString(user)}",
            new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();
        return new RabbitMqVirtualHost(name, management);
    }

    public static HttpClient ManagementClient()
    {
        var root = TestServers.RabbitMqManagement;
        var client = new HttpClient { BaseAddress = new UriBuilder(root) { UserName = "", Password = "" }.Uri };
        var credentials = Uri.UnescapeDataString(root.UserInfo is { Length: > 0 } info ? info : "guest:guest");
        client.DefaultRequestHeaders.Authorization =
            new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        return client;
    }

    /// <summary>Messages waiting in a queue of this virtual host (management API, refreshed every few seconds by the broker).</summary>
    public async Task<long> QueueDepthAsync(string queue)
    {
        var response = await _management.GetFromJsonAsync<QueueInfo>($"api/queues/{Uri.EscapeDataString(Name)}/{Uri.EscapeDataString(queue)}");
        return response?.Messages ?? 0;
    }

    /// <summary>Every queue of this virtual host as the management API describes it.</summary>
    public async Task<IReadOnlyList<QueueState>> QueuesAsync() =>
        await _management.GetFromJsonAsync<List<QueueState>>($"api/queues/{Uri.EscapeDataString(Name)}?columns=name,type,consumers,messages") ?? [];

    public async ValueTask DisposeAsync()
    {
        await _management.DeleteAsync($"api/vhosts/{Uri.EscapeDataString(Name)}");
        _management.Dispose();
    }

    private sealed record QueueInfo(long Messages);
}

/// <summary>A queue as the management API shows it: its type (classic, quorum), consumers attached and messages waiting (refreshed every few seconds).</summary>
public sealed record QueueState(string Name, string Type, int? Consumers, long? Messages);
