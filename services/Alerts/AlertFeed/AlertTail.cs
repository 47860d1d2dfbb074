using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Monitoring.Alerts.Stories;
using Monitoring.Hosting;

namespace Monitoring.Alerts.AlertFeed;

/// <summary>A contiguous slice (From, To] of the alert feed, each entry with its server-sent-event frame, and the story entries in it.</summary>
public sealed record AlertBatch(long From, long To, IReadOnlyList<AlertFrame> Items, IReadOnlyList<StoryFrame> Stories);

/// <summary>An alert feed entry with its server-sent-event frames, serialised once however many clients read it.</summary>
public sealed class AlertFrame(AlertItem item)
{
    private readonly Lazy<string> _json = new(() => JsonSerializer.Serialize(item, MonitoringJson.Options));
    private byte[]? _alert;
    private byte[]? _withdrawn;

    public AlertItem Item { get; } = item;

    /// <summary>The frame for an event type (<see cref="AlertEvents"/>): <c>id</c> is the position in the event store.</summary>
    public byte[] ServerSentEvent(string eventType) => eventType == AlertEvents.Alert
        ? _alert ??= Frame(eventType)
        : _withdrawn ??= Frame(eventType);

    private byte[] Frame(string eventType) =>
        Encoding.UTF8.GetBytes($"id: {Item.Position}\nevent: {eventType}\ndata: {_json.Value}\n\n");
}

/// <summary>A live reader of the tail: batches from <see cref="StartPosition"/> on, in order, without gaps.</summary>
public sealed class AlertTailSubscription(long startPosition)
{
    public const int Capacity = 256;

    private readonly Channel<AlertBatch> _batches = Channel.CreateBounded<AlertBatch>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public long StartPosition { get; } = startPosition;

    /// <summary>True when the reader fell so far behind that batches were not kept: it must catch up from the store.</summary>
    public bool Overflowed { get; private set; }

    public ChannelReader<AlertBatch> Batches => _batches.Reader;

    internal void Offer(AlertBatch batch)
    {
        if (Overflowed || _batches.Writer.TryWrite(batch)) return;
        Overflowed = true;
        _batches.Writer.TryComplete();
    }

    internal void Close() => _batches.Writer.TryComplete();
}

/// <summary>
/// Follows the alert feed as it grows, once for the whole process, and hands each new slice to every live
/// subscriber (server-sent-event clients). Subscribing and reading the current position happen under one
/// lock, so a subscriber that catches up from the store to <see cref="AlertTailSubscription.StartPosition"/>
/// and then reads its batches sees every entry exactly once.
/// </summary>
public sealed class AlertTail(AlertFeedReader reader, IConfiguration configuration, ILogger<AlertTail> logger) : BackgroundService
{
    private readonly Lock _gate = new();
    private readonly List<AlertTailSubscription> _subscriptions = [];
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _position;

    public int SubscriberCount
    {
        get { lock (_gate) return _subscriptions.Count; }
    }

    public async Task<AlertTailSubscription> SubscribeAsync(CancellationToken ct)
    {
        await _started.Task.WaitAsync(ct);
        lock (_gate)
        {
            var subscription = new AlertTailSubscription(_position);
            _subscriptions.Add(subscription);
            return subscription;
        }
    }

    public void Unsubscribe(AlertTailSubscription subscription)
    {
        lock (_gate) _subscriptions.Remove(subscription);
        subscription.Close();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMilliseconds(configuration.GetValue("MONITORING_ALERT_TAIL_POLL_MS", 100));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!_started.Task.IsCompleted)
                {
                    _position = await reader.SafePositionAsync(stoppingToken);
                    _started.TrySetResult();
                }
                var safe = await reader.SafePositionAsync(stoppingToken);
                lock (_gate)
                {
                    // Nobody listening: move on without reading; a client that connects catches up from the store.
                    if (_subscriptions.Count == 0) _position = Math.Max(_position, safe);
                }
                while (_position < safe)
                {
                    var (items, stories, readUpTo) = await reader.ReadFeedAsync(_position, safe, stoppingToken);
                    var batch = new AlertBatch(_position, readUpTo, items.Select(item => new AlertFrame(item)).ToList(),
                        stories.Select(story => new StoryFrame(story)).ToList());
                    lock (_gate)
                    {
                        foreach (var subscription in _subscriptions) subscription.Offer(batch);
                        _position = readUpTo;
                    }
                }
                await Task.Delay(interval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                AlertsLog.AlertTailFailed(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        lock (_gate)
        {
            foreach (var subscription in _subscriptions) subscription.Close();
        }
    }
}
