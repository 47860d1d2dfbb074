using System.Net.Http.Json;
using System.Text.Json;
using Monitoring.Alerts.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Monitoring.Testing;

namespace Monitoring.Alerts.Tests;

public sealed class PipelineHealthTests(AlertStoreFixture store) : IClassFixture<AlertStoreFixture>
{
    [Fact]
    public async Task Pipeline_health_shows_the_high_water_mark_each_projection_s_lag_the_broker_and_fetch_to_alert_latency()
    {
        await using var queue = await AmqpTestQueue.BindAsync(store.Broker.AmqpUri, "CA.#");
        await store.RecordAsync(Articles.Classified(Guid.NewGuid().ToString("N"), primary: ["CA"]));
        await store.WaitForProjectionsAsync();
        await queue.WaitForAsync(m => m.Count > 0, TimeSpan.FromSeconds(30));

        // The forwarder records the latency once the broker's confirms are back, a moment after the queue has the message.
        PipelineSnapshot snapshot;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        do snapshot = await store.Services.GetRequiredService<PipelineHealth>().TakeAsync(CancellationToken.None);
        while (snapshot.FetchToAlert.Samples == 0 && DateTime.UtcNow < deadline && await Task.Delay(100).ContinueWith(_ => true));
        Assert.True(snapshot.HighWaterMark > 0);
        Assert.Contains(snapshot.Projections, p => p.Name.StartsWith(AlertsModule.CountryViews[0]) && p.LagEvents == 0);
        Assert.Contains(snapshot.Projections, p => p.Name.StartsWith("alert-exchange"));
        Assert.Null(snapshot.BrokerError);
        Assert.Contains(snapshot.Queues, q => q.Name == queue.Name);
        Assert.True(snapshot.FetchToAlert.Samples >= 1);
        // The article just recorded counts in the last minute's recorded rate (counted from the newest events only).
        Assert.True(snapshot.Rates.RecordedPerMinute >= 1, $"recorded per minute: {snapshot.Rates.RecordedPerMinute}");

        var json = await store.Http.GetFromJsonAsync<JsonElement>("api/pipeline");
        Assert.True(json.GetProperty("highWaterMark").GetInt64() > 0);
        Assert.True(json.GetProperty("projections").GetArrayLength() >= 3);
    }
}
