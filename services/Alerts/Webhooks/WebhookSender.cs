using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using Marten;
using Monitoring.Hosting;
using Npgsql;

namespace Monitoring.Alerts.Webhooks;

public sealed record WebhookOptions(int MaxAttempts, TimeSpan RetryBase, TimeSpan RetryMax, TimeSpan Timeout, bool AllowPrivate)
{
    public static WebhookOptions From(IConfiguration configuration) => new(
        configuration.GetValue("MONITORING_WEBHOOK_MAX_ATTEMPTS", 8),
        TimeSpan.FromMilliseconds(configuration.GetValue("MONITORING_WEBHOOK_RETRY_BASE_MS", 2000)),
        TimeSpan.FromMilliseconds(configuration.GetValue("MONITORING_WEBHOOK_RETRY_MAX_MS", 600_000)),
        TimeSpan.FromSeconds(configuration.GetValue("MONITORING_WEBHOOK_TIMEOUT_SECONDS", 10)),
        configuration["MONITORING_ALLOW_PRIVATE_WEBHOOKS"] == "1");

    /// <summary>Exponential backoff with ±20 % jitter, so failing endpoints are not hammered in lockstep.</summary>
    public TimeSpan DelayAfter(int attempts)
    {
        var exponential = RetryBase.TotalMilliseconds * Math.Pow(2, Math.Min(attempts - 1, 20));
        var capped = Math.Min(exponential, RetryMax.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.8 + Random.Shared.NextDouble() * 0.4));
    }
}

/// <summary>
/// Sends due webhook deliveries, signed, retrying with backoff until delivered or dead-lettered after
/// <see cref="WebhookOptions.MaxAttempts"/>. One sender runs across all replicas (a PostgreSQL advisory lock),
/// so a delivery is not sent twice by two replicas at once.
/// </summary>
public sealed class WebhookSender(
    IDocumentStore store, NpgsqlDataSource database, WebhookSenderSignal signal, IHttpClientFactory httpClients,
    WebhookOptions options, TimeProvider clock, ILogger<WebhookSender> logger)
    : SingleWriterLoop(database, "monitoring-webhook-sender", store.Options.DatabaseSchemaName)
{
    public const string HttpClientName = "webhooks";

    private static readonly Counter<long> Attempts =
        MonitoringTelemetry.Meter.CreateCounter<long>("monitoring.webhooks.attempts", description: "Webhook delivery attempts by outcome");

    protected override async Task<bool> WorkOnceAsync(CancellationToken ct) => await SendDueAsync(ct) > 0;

    protected override Task IdleAsync(CancellationToken ct) => signal.WaitAsync(TimeSpan.FromMilliseconds(250), ct);

    protected override void OnFailed(Exception exception) => AlertsLog.WebhookSenderFailed(logger, exception);

    /// <returns>How many deliveries were attempted.</returns>
    public async Task<int> SendDueAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var session = store.LightweightSession();
        var due = await session.Query<WebhookDelivery>()
            .Where(d => d.Status == WebhookDeliveryStatus.Pending && d.NextAttemptAt <= now)
            .OrderBy(d => d.NextAttemptAt)
            .Take(64)
            .ToListAsync(ct);
        if (due.Count == 0) return 0;
        var subscriptionIds = due.Select(d => d.SubscriptionId).Distinct().ToArray();
        var subscriptions = (await session.LoadManyAsync<WebhookSubscription>(ct, subscriptionIds)).ToDictionary(s => s.Id);

        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (delivery, token) =>
        {
            if (!subscriptions.TryGetValue(delivery.SubscriptionId, out var subscription) || subscription.Status == WebhookSubscriptionStatus.Deleted)
            {
                delivery.Status = WebhookDeliveryStatus.Cancelled;
                return;
            }
            if (subscription.Status == WebhookSubscriptionStatus.Paused)
            {
                delivery.NextAttemptAt = clock.GetUtcNow().AddSeconds(30);
                return;
            }
            await AttemptAsync(subscription, delivery, token);
        });
        foreach (var delivery in due) session.Store(delivery);
        await session.SaveChangesAsync(ct);
        return due.Count;
    }

    private async Task AttemptAsync(WebhookSubscription subscription, WebhookDelivery delivery, CancellationToken ct)
    {
        using var activity = MonitoringTelemetry.Source.StartActivity("deliver webhook", ActivityKind.Producer,
            MonitoringTelemetry.ParentFrom(delivery.TraceParent));
        activity?.SetTag("webhook.delivery", delivery.Id);
        activity?.SetTag("webhook.attempt", delivery.Attempts + 1);
        var started = Stopwatch.GetTimestamp();
        var at = clock.GetUtcNow();
        int? status = null;
        string? error = null;
        try
        {
            var timestamp = at.ToUnixTimeSeconds();
            using var request = new HttpRequestMessage(HttpMethod.Post, subscription.Url)
            {
                Content = new StringContent(delivery.Payload, Encoding.UTF8, "application/json"),
            };
            request.Headers.Add(WebhookSignature.DeliveryHeader, delivery.Id);
            request.Headers.Add(WebhookSignature.EventHeader, delivery.Event);
            request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString());
            request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(subscription.Secret, timestamp, delivery.Payload));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.Timeout);
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, timeout.Token);
            status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode) error = $"HTTP {status} {response.ReasonPhrase}";
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            error = $"no answer within {options.Timeout.TotalSeconds:0} s";
        }
        catch (HttpRequestException e)
        {
            error = e.Message;
        }

        delivery.Attempts++;
        delivery.LastStatusCode = status;
        delivery.LastError = error;
        delivery.Log.Add(new WebhookAttempt(at, status, error, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
        if (delivery.Log.Count > 20) delivery.Log.RemoveAt(0);
        if (error is null)
        {
            delivery.Status = WebhookDeliveryStatus.Delivered;
            delivery.DeliveredAt = clock.GetUtcNow();
            Attempts.Add(1, new KeyValuePair<string, object?>("outcome", "delivered"));
            AlertsLog.WebhookAttempt(logger, delivery.Id, subscription.Id, "delivered", delivery.Attempts, status);
        }
        else if (delivery.Attempts >= options.MaxAttempts)
        {
            delivery.Status = WebhookDeliveryStatus.Dead;
            Attempts.Add(1, new KeyValuePair<string, object?>("outcome", "dead"));
            AlertsLog.WebhookDeadLettered(logger, delivery.Id, delivery.Attempts, error);
        }
        else
        {
            delivery.NextAttemptAt = clock.GetUtcNow() + options.DelayAfter(delivery.Attempts);
            Attempts.Add(1, new KeyValuePair<string, object?>("outcome", "retry"));
            AlertsLog.WebhookAttempt(logger, delivery.Id, subscription.Id, "will retry", delivery.Attempts, status);
        }
    }
}
