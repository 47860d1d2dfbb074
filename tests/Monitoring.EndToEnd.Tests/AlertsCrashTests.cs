using System.Net.Http.Json;
using System.Text.Json;
using Monitoring.Contracts;
using Monitoring.Testing;
using Xunit.Abstractions;

namespace Monitoring.EndToEnd.Tests;

/// <summary>The Alerts service killed (as kill -9 would) in the middle of a stream, then started again.</summary>
public sealed class AlertsCrashTests(ITestOutputHelper output) : AlertsStore("crash")
{

    [Fact]
    public async Task Killing_the_Alerts_service_mid_stream_loses_no_alert_on_the_exchange_and_never_changes_a_message_id()
    {
        const int articles = 300;
        string[] countries = ["JP", "KR"];
        string[] topics = [Topics.MissilesWmd, Topics.MilitaryActivity];
        var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var alerts = ServiceProcess.Start("Alerts", Environment);
        try
        {
            await alerts.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
            await using var queue = await AmqpTestQueue.BindAsync(Broker.AmqpUri, "#");
            await using var bus = await BusPublisher.StartAsync(Broker.AmqpUri);
            var ids = Enumerable.Range(0, articles).Select(i => $"crash-{i:D4}").ToList();
            // A steady stream of about six seconds; its second half waits for the kill, so the kill lands while articles
            // are still being published however slow the machine is.
            var publishing = Task.Run(async () =>
            {
                var chunks = ids.Chunk(5).ToList();
                for (var c = 0; c < chunks.Count; c++)
                {
                    if (c == chunks.Count / 2) await killed.Task;
                    foreach (var id in chunks[c]) await bus.PublishAsync(ClassifiedArticles.Create(id, countries, topics));
                    await Task.Delay(100);
                }
            });

            var before = await queue.WaitForAsync(m => m.Count >= 40, TimeSpan.FromSeconds(60));
            Assert.False(publishing.IsCompleted, "the stream had ended before the kill; nothing would be tested");
            alerts.Kill();
            killed.TrySetResult();
            output.WriteLine($"killed the Alerts service after {before.Count} of {articles * 4} exchange messages, while articles were still being published");
            await publishing;

            await alerts.DisposeAsync();
            alerts = ServiceProcess.Start("Alerts", Environment);
            await alerts.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));

            var expected = ids.SelectMany(id => countries.SelectMany(c => topics.Select(t => (id, c, t)))).ToHashSet();
            var received = await queue.WaitForAsync(
                m => m.Select(Key).ToHashSet().IsSupersetOf(expected), TimeSpan.FromSeconds(120));

            var byKey = received.GroupBy(Key).ToDictionary(g => g.Key, g => g.Select(m => m.MessageId).ToList());
            Assert.Equal(expected.Count, byKey.Count);
            Assert.All(byKey, pair => Assert.Single(pair.Value.Distinct()));
            var redelivered = received.Count - byKey.Count;
            output.WriteLine($"{received.Count} deliveries for {byKey.Count} alerts: {redelivered} at-least-once redeliveries, each under its alert's message id");

            // The store itself recorded every article exactly once.
            foreach (var id in ids.Where((_, i) => i % 10 == 0))
            {
                var article = await alerts.Http.GetFromJsonAsync<JsonElement>($"api/articles/{id}");
                Assert.Equal(2, article.GetProperty("history").GetArrayLength());
            }
        }
        finally
        {
            killed.TrySetResult(); // a failed wait must not leave the publisher blocked
            await alerts.DisposeAsync();
        }

        static (string, string, string) Key(AmqpMessage m) =>
            (m.Json.GetProperty("articleId").GetString()!, m.Json.GetProperty("country").GetString()!, m.Json.GetProperty("topic").GetString()!);
    }
}
