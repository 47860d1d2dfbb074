using System.Net.Http.Json;
using Monitoring.Contracts;
using Monitoring.Testing;

namespace Monitoring.Alerts.Tests;

public sealed class ExchangeTests(AlertStoreFixture store) : IClassFixture<AlertStoreFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static string NewId() => Guid.NewGuid().ToString("N");

    [Fact]
    public async Task A_plain_AMQP_client_bound_to_a_country_receives_one_persistent_json_message_per_topic()
    {
        await using var queue = await AmqpTestQueue.BindAsync(store.Broker.AmqpUri, "NZ.#");
        var id = NewId();
        await store.RecordAsync(Articles.Classified(id, primary: ["NZ", "AU"], topics: [Topics.MaritimeSecurity, Topics.MilitaryActivity], severity: Severity.High));

        var messages = await queue.WaitForAsync(m => m.Count >= 2, Timeout);
        Assert.Equal(["NZ.maritime-security.high", "NZ.military-activity.high"], messages.Select(m => m.RoutingKey).Order());
        Assert.All(messages, m =>
        {
            Assert.True(m.Persistent);
            Assert.Equal("application/json", m.ContentType);
            Assert.Equal(id, m.Json.GetProperty("articleId").GetString());
            Assert.Equal("NZ", m.Json.GetProperty("country").GetString());
            Assert.Equal($"{m.Json.GetProperty("position").GetInt64()}.NZ.{m.Json.GetProperty("topic").GetString()}", m.MessageId);
            Assert.Equal("high", m.Json.GetProperty("severity").GetString());
        });
    }

    [Fact]
    public async Task A_topic_wildcard_binding_receives_that_topic_from_every_country()
    {
        await using var queue = await AmqpTestQueue.BindAsync(store.Broker.AmqpUri, "*.terrorism.*");
        await store.RecordAsync(Articles.Classified(NewId(), primary: ["KE", "SO"], topics: [Topics.Terrorism, Topics.ArmedConflict], severity: Severity.Critical));
        await store.RecordAsync(Articles.Classified(NewId(), primary: ["ET"], topics: [Topics.CivilUnrest], severity: Severity.Medium));

        var messages = await queue.WaitForAsync(m => m.Count >= 2, Timeout);
        await Task.Delay(500);
        Assert.Equal(["KE.terrorism.critical", "SO.terrorism.critical"], (await queue.DrainAsync()).Select(m => m.RoutingKey).Order());
    }

    [Fact]
    public async Task A_steady_stream_reaches_the_exchange_once_per_alert_and_in_store_order()
    {
        // Articles recorded one at a time arrive at the forwarder in many small pages, and a page reads ahead of itself:
        // each alert must still be published once (no page publishes what an earlier one read ahead) and in order.
        await using var queue = await AmqpTestQueue.BindAsync(store.Broker.AmqpUri, "UY.#");
        var ids = Enumerable.Range(0, 40).Select(_ => NewId()).ToList();
        foreach (var id in ids)
        {
            await store.RecordAsync(Articles.Classified(id, primary: ["UY"], topics: [Topics.Cyber], severity: Severity.Medium));
            await Task.Delay(20);
        }

        await queue.WaitForAsync(m => m.Count >= ids.Count, Timeout);
        await store.WaitForProjectionsAsync();
        await Task.Delay(500);
        var messages = await queue.DrainAsync();
        Assert.Equal(ids, messages.Select(m => m.Json.GetProperty("articleId").GetString()));
        var positions = messages.Select(m => m.Json.GetProperty("position").GetInt64()).ToList();
        Assert.Equal(positions.Order(), positions);
    }

    [Fact]
    public async Task A_backlog_of_several_reads_in_one_page_is_forwarded_whole_once_and_in_store_order()
    {
        // One transaction of 2,600 alerts (and as many story events between them): more than a page of the forwarder
        // (500 events) and several of its read-ahead chunks (2,000 events), each read while the one before is published.
        await using var queue = await AmqpTestQueue.BindAsync(store.Broker.AmqpUri, "PY.#");
        var ids = Enumerable.Range(0, Exchange.AlertExchangeForwarder.ReadAhead + AlertFeed.AlertFeedReader.PageSize + 100).Select(_ => NewId()).ToList();
        await store.RecordBatchAsync(ids.Select(id => Articles.Classified(id, primary: ["PY"], topics: [Topics.Cyber], severity: Severity.Medium)).ToList());

        await queue.WaitForAsync(m => m.Count >= ids.Count, Timeout);
        await store.WaitForProjectionsAsync();
        await Task.Delay(500);
        var messages = await queue.DrainAsync();
        var positions = messages.Select(m => m.Json.GetProperty("position").GetInt64()).ToList();
        Assert.Equal(ids.Count, positions.Distinct().Count());
        Assert.Equal(ids.Count, messages.Count);
        Assert.Equal(positions.Order(), positions);
        Assert.Equal(ids.Order(), messages.Select(m => m.Json.GetProperty("articleId").GetString()).Order());
    }

    [Fact]
    public async Task Replaying_a_time_range_publishes_its_alerts_again_marked_as_replay_with_ids_of_their_own()
    {
        var since = DateTimeOffset.UtcNow;
        var id = NewId();
        await store.RecordAsync(Articles.Classified(id, primary: ["TZ"], topics: [Topics.Cyber], severity: Severity.Medium));
        await store.WaitForProjectionsAsync();

        await using var queue = await AmqpTestQueue.BindAsync(store.Broker.AmqpUri, "TZ.#");
        using var unauthorised = await store.Http.PostAsJsonAsync("api/alerts/replay", new { since });
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, unauthorised.StatusCode);
        using var replay = await store.AdminHttp.PostAsJsonAsync("api/alerts/replay", new { since, country = "TZ" });
        replay.EnsureSuccessStatusCode();

        var message = Assert.Single(await queue.WaitForAsync(m => m.Count >= 1, Timeout));
        Assert.Equal(id, message.Json.GetProperty("articleId").GetString());
        Assert.True(message.Json.GetProperty("replay").GetBoolean());
        Assert.Contains(".replay.", message.MessageId);
        Assert.Equal(true, message.Headers!["x-monitoring-replay"]);
    }
}
