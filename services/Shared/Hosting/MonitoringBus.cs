using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Monitoring.Hosting;

/// <summary>
/// MassTransit over RabbitMQ, configured once for every service: the broker from
/// <c>MONITORING_RABBITMQ</c> (an amqp:// URI whose path is the virtual host), a bounded retry and a kill
/// switch, endpoints named after their consumers, and faults moved to the consumer's <c>_error</c> queue.
/// With <c>MONITORING_QUORUM_QUEUES=1</c> the consumers' queues are quorum queues (replicated across a RabbitMQ
/// cluster); the default is classic queues — see <see cref="QuorumQueues"/>.
/// </summary>
public static class MonitoringBus
{
    public const string DefaultRabbitMq = "amqp://guest:guest@127.0.0.1:5672/";

    public static WebApplicationBuilder AddMonitoringBus(
        this WebApplicationBuilder builder,
        Action<IBusRegistrationConfigurator> registerConsumers,
        Action<IBusRegistrationContext, IRabbitMqBusFactoryConfigurator>? configureBus = null)
    {
        var uri = RabbitMqUri(builder.Configuration);
        var prefetch = builder.Configuration.GetValue("MONITORING_PREFETCH", 64);
        var quorum = QuorumQueues(builder.Configuration);

        builder.Services.AddMassTransit(bus =>
        {
            bus.SetKebabCaseEndpointNameFormatter();
            if (quorum)
            {
                // Consumer endpoints only: the bus's own temporary queue is exclusive and auto-deleted, which a quorum queue cannot be.
                bus.AddConfigureEndpointsCallback((_, endpoint) =>
                {
                    if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit) rabbit.SetQuorumQueue();
                });
            }
            registerConsumers(bus);
            bus.UsingRabbitMq((context, cfg) =>
            {
                var (user, password) = Credentials(uri);
                var port = uri.IsDefaultPort || uri.Port <= 0 ? (uri.Scheme == "amqps" ? 5671 : 5672) : uri.Port;
                cfg.Host(uri.Host, (ushort)port, VirtualHost(uri), host =>
                {
                    host.Username(user);
                    host.Password(password);
                    if (uri.Scheme == "amqps") host.UseSsl(ssl => ssl.ServerName = uri.Host);
                });
                cfg.PrefetchCount = prefetch;
                cfg.ConfigureJsonSerializerOptions(options =>
                {
                    MonitoringJson.Configure(options);
                    // MassTransit indents its JSON by default: every article's text crosses the broker twice, and the
                    // whitespace costs bytes on the wire and CPU to write and to skip when reading. Same JSON, unindented.
                    options.WriteIndented = false;
                    return options;
                });
                // A message that keeps failing is retried for about three minutes (a database restart, a broker
                // failover) before it goes to the endpoint's _error queue; meanwhile the kill switch stops taking new
                // messages when most of them fail, so a dead dependency does not empty the queue into _error. An
                // invalid message is neither retried nor counted: it goes to _error at once.
                cfg.UseKillSwitch(killSwitch => killSwitch
                    .SetActivationThreshold(20)
                    .SetTripThreshold(0.5)
                    .SetRestartTimeout(TimeSpan.FromSeconds(15))
                    .SetExceptionFilter(filter => filter.Ignore<InvalidMessageException>()));
                cfg.UseMessageRetry(retry =>
                {
                    retry.Exponential(10, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(500));
                    retry.Ignore<InvalidMessageException>();
                });
                configureBus?.Invoke(context, cfg);
                cfg.ConfigureEndpoints(context);
            });
        });
        builder.Services.Configure<MassTransitHostOptions>(options =>
        {
            options.WaitUntilStarted = false;
            options.StopTimeout = TimeSpan.FromSeconds(30);
        });
        return builder;
    }

    /// <summary>
    /// <c>MONITORING_QUORUM_QUEUES</c>: 1/true declares the consumer queues (and their _error and _skipped queues) as
    /// quorum queues; unset, 0 or false keeps classic queues. Off by default: a quorum queue only pays off on a RabbitMQ
    /// cluster of three or more nodes (it survives losing a node), costs throughput and memory on a single node, and a
    /// queue cannot change type once declared — RabbitMQ refuses the redeclaration (PRECONDITION_FAILED, inequivalent
    /// arg 'x-queue-type') and the service stays not ready — so flipping the default would break every existing
    /// deployment on upgrade. Switch an existing deployment by draining and deleting its queues (or moving to a new
    /// virtual host) before starting the services with the variable set.
    /// </summary>
    public static bool QuorumQueues(IConfiguration configuration) =>
        configuration["MONITORING_QUORUM_QUEUES"]?.Trim().ToLowerInvariant() switch
        {
            null or "" or "0" or "false" or "no" => false,
            "1" or "true" or "yes" => true,
            var other => throw new InvalidOperationException($"MONITORING_QUORUM_QUEUES must be 1 or 0, got '{other}'."),
        };

    public static Uri RabbitMqUri(IConfiguration configuration)
    {
        var text = configuration["MONITORING_RABBITMQ"];
        if (string.IsNullOrWhiteSpace(text)) text = DefaultRabbitMq;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != "amqp" && uri.Scheme != "amqps"))
        {
            throw new InvalidOperationException($"MONITORING_RABBITMQ must be an amqp:// URI, got '{text}'.");
        }
        return uri;
    }

    /// <summary>The path of the URI is the virtual host; an empty path is the default "/".</summary>
    public static string VirtualHost(Uri uri)
    {
        var path = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        return path.Length == 0 ? "/" : path;
    }

    private static (string User, string Password) Credentials(Uri uri)
    {
        if (string.IsNullOrEmpty(uri.UserInfo)) return ("guest", "guest");
        var parts = uri.UserInfo.Split(':', 2);
        return (Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "");
    }
}
