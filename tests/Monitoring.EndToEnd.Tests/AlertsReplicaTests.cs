using System.Net.Http.Json;
using System.Text.Json;
using Monitoring.Contracts;
using Monitoring.Testing;
using Xunit.Abstractions;

namespace Monitoring.EndToEnd.Tests;

/// <summary>Two Alerts replicas on one store: competing consumers for ingestion, the async daemon hot/cold.</summary>
public sealed class AlertsReplicaTests(ITestOutputHelper output) : AlertsStore("replicas")
{

    [Fact]
    public async Task Two_replicas_share_ingestion_and_when_one_dies_the_other_takes_over_the_daemon_without_losing_alerts()
    {
        Environment["MONITORING_DAEMON_MODE"] = "hotcold";
        await using var first = ServiceProcess.Start("Alerts", Environment);
        await first.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        await using var second = ServiceProcess.Start("Alerts", Environment);
        await second.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        await using var queue = await AmqpTestQueue.BindAsync(Broker.AmqpUri, "#");
        await using var bus = await BusPublisher.StartAsync(Broker.AmqpUri);

        var before = Enumerable.Range(0, 100).Select(i => $"replica-a-{i:D3}").ToList();
        foreach (var id in before) await bus.PublishAsync(ClassifiedArticles.Create(id, ["SG"], [Topics.MaritimeSecurity]));
        await queue.WaitForAsync(m => Articles(m).IsSupersetOf(before), TimeSpan.FromSeconds(90));

        first.Kill();
        output.WriteLine("killed the first replica; the second must take over ingestion and the daemon");
        var after = Enumerable.Range(0, 100).Select(i => $"replica-b-{i:D3}").ToList();
        foreach (var id in after) await bus.PublishAsync(ClassifiedArticles.Create(id, ["SG"], [Topics.MaritimeSecurity]));
        var received = await queue.WaitForAsync(m => Articles(m).IsSupersetOf(after), TimeSpan.FromSeconds(120));

        var byArticle = received.GroupBy(m => m.Json.GetProperty("articleId").GetString()).ToDictionary(g => g.Key!, g => g.Select(m => m.MessageId).Distinct().Count());
        Assert.Equal(200, byArticle.Count);
        Assert.All(byArticle.Values, ids => Assert.Equal(1, ids));
        output.WriteLine($"{received.Count} deliveries for 200 alerts");

        var countries = await second.Http.GetFromJsonAsync<JsonElement>("api/countries/SG/alerts?limit=1000");
        Assert.Equal(200, countries.GetProperty("alerts").GetArrayLength());
    }

    private static HashSet<string> Articles(IReadOnlyList<AmqpMessage> messages) =>
        messages.Select(m => m.Json.GetProperty("articleId").GetString()!).ToHashSet();
}
