using System.Text.Json;
using Monitoring.Alerts.AlertFeed;
using Monitoring.Contracts;
using Monitoring.Hosting;
using RabbitMQ.Client;

namespace Monitoring.Alerts.Exchange;

/// <summary>One message for a topic exchange: an alert (or, on <c>monitoring.stories</c>, a story) for one (country, topic).</summary>
public sealed record ExchangeMessage(string MessageId, string RoutingKey, byte[] Body, long Position, bool Replay, string Type = "alert");

/// <summary>
/// The <c>monitoring.alerts</c> topic exchange, written with the plain RabbitMQ client so any AMQP client can read
/// it: durable, persistent messages, plain JSON bodies, publisher confirms awaited before anything is reported sent.
/// </summary>
public sealed class AlertExchange(IConfiguration configuration) : IAsyncDisposable
{
    public const string Name = "monitoring.alerts";

    /// <summary>The per-story exchange: same routing keys, one message per story and (country, topic), plus breaking escalations.</summary>
    public const string StoriesName = "monitoring.stories";

    private readonly Publisher _alerts = new(configuration, "monitoring-alerts-exchange");
    private readonly Publisher _stories = new(configuration, "monitoring-stories-exchange");

    /// <summary>
    /// The messages an alert feed entry becomes: one per (alerted country, topic), routing key
    /// <c>{COUNTRY}.{topic}.{severity}</c>, message id <c>{position}.{COUNTRY}.{topic}</c> — stable, so a
    /// consumer can drop the copies an at-least-once redelivery brings.
    /// </summary>
    public static IEnumerable<ExchangeMessage> MessagesFor(AlertItem item, bool replay = false)
    {
        foreach (var country in item.Primary)
        foreach (var topic in item.Topics)
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(new
            {
                item.Position, Country = country, Topic = topic, item.ArticleId, item.Title, item.Url, item.Source,
                item.Language, item.PublishedAt, item.DetectedAt, item.Topics, item.Severity, item.Countries,
                item.Primary, item.StoryId, item.Revision, item.ClassifierVersion, item.Update, item.FetchedAt, item.RecordedAt,
                Replay = replay,
            }, MonitoringJson.Options);
            yield return new ExchangeMessage($"{item.Position}.{country}.{topic}", $"{country}.{topic}.{item.Severity.ToId()}",
                body, item.Position, replay);
        }
    }

    /// <summary>Publishes to <c>monitoring.alerts</c> and waits for the broker to confirm every message; throws when any is not confirmed.</summary>
    public Task PublishAsync(IReadOnlyList<ExchangeMessage> messages, CancellationToken ct) => PublishAsync(Name, messages, ct);

    /// <summary>Publishes to <paramref name="exchange"/> and waits for the broker to confirm every message; throws when any is not confirmed.</summary>
    /// <remarks>
    /// Each exchange is published on a connection and channel of its own, one page at a time: the story forwarder's pages
    /// never wait behind the alert forwarder's confirms, nor the other way round.
    /// </remarks>
    public Task PublishAsync(string exchange, IReadOnlyList<ExchangeMessage> messages, CancellationToken ct) =>
        (exchange == StoriesName ? _stories : _alerts).PublishAsync(exchange, messages, ct);

    public async ValueTask DisposeAsync()
    {
        await _alerts.DisposeAsync();
        await _stories.DisposeAsync();
    }

    /// <summary>A connection and a confirming channel, used by one publisher at a time, opened again after a failure.</summary>
    private sealed class Publisher(IConfiguration configuration, string connectionName) : IAsyncDisposable
    {
        /// <summary>Messages published and not yet confirmed, at most, on the channel.</summary>
        private const int UnconfirmedWindow = 512;

        private readonly SemaphoreSlim _gate = new(1, 1);
        private IConnection? _connection;
        private IChannel? _channel;

        public async Task PublishAsync(string exchange, IReadOnlyList<ExchangeMessage> messages, CancellationToken ct)
        {
            if (messages.Count == 0) return;
            await _gate.WaitAsync(ct);
            try
            {
                var channel = await ChannelAsync(ct);
                var confirms = new List<Task>(messages.Count);
                try
                {
                    foreach (var message in messages)
                    {
                        var properties = new BasicProperties
                        {
                            Persistent = true,
                            MessageId = message.MessageId,
                            ContentType = "application/json",
                            Type = message.Type,
                            Timestamp = new AmqpTimestamp(DateTimeOffset.UtcNow.ToUnixTimeSeconds()),
                            Headers = new Dictionary<string, object?>
                            {
                                ["x-monitoring-position"] = message.Position,
                                ["x-monitoring-replay"] = message.Replay,
                            },
                        };
                        // At most a window of messages unconfirmed: the client scans every outstanding confirm on each
                        // ack it gets, so a page's thousands outstanding at once made that scan the costly part.
                        if (confirms.Count >= UnconfirmedWindow) await confirms[^UnconfirmedWindow];
                        confirms.Add(channel.BasicPublishAsync(exchange, message.RoutingKey, false, properties, message.Body, ct).AsTask());
                    }
                    await Task.WhenAll(confirms);
                }
                catch
                {
                    await ResetAsync();
                    throw;
                }
            }
            finally
            {
                _gate.Release();
            }
        }

        private async Task<IChannel> ChannelAsync(CancellationToken ct)
        {
            if (_channel is { IsOpen: true }) return _channel;
            await ResetAsync();
            var uri = MonitoringBus.RabbitMqUri(configuration);
            var factory = new ConnectionFactory { Uri = uri, AutomaticRecoveryEnabled = false, ClientProvidedName = connectionName };
            _connection = await factory.CreateConnectionAsync(ct);
            // No confirm throttling by the client: its default limiter (128 outstanding confirms, delays of up to a second
            // once half are used) paced each page's thousands of publishes; the window above bounds what is in flight.
            _channel = await _connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true,
                    outstandingPublisherConfirmationsRateLimiter: null), ct);
            await _channel.ExchangeDeclareAsync(Name, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: ct);
            await _channel.ExchangeDeclareAsync(StoriesName, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: ct);
            return _channel;
        }

        private async Task ResetAsync()
        {
            try
            {
                if (_channel is not null) await _channel.DisposeAsync();
                if (_connection is not null) await _connection.DisposeAsync();
            }
            catch (Exception)
            {
                // a broken connection may fail to close; it is discarded either way
            }
            _channel = null;
            _connection = null;
        }

        public async ValueTask DisposeAsync() => await ResetAsync();
    }
}
