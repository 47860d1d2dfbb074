using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Monitoring.Hosting;

/// <summary>
/// MassTransit over RabbitMQ, configured once for every service: the broker from
/// <c>MONITORING_RABBITMQ</c> (an amqp:// URI whose path is the virtual host), a bounded retry and a kill
/// switch, endpoints named after their consumers, and faults moved to the consumer's <c>_error</c> queue.
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

        builder.Services.AddMassTransit(bus =>
        {
            bus.SetKebabCaseEndpointNameFormatter();
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
                cfg.ConfigureJsonSerializerOptions(MonitoringJson.Configure);
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
