using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Monitoring.Contracts;
using Monitoring.Testing;
using Npgsql;

namespace Monitoring.Alerts.Tests.Stories;

/// <summary>
/// The Alerts service with its story assigner kept from running until the test lets it: the test holds the assigner's
/// advisory lock from before the service starts, as another replica that hung would.
/// </summary>
public abstract class HeldStoryAssignerFixture : AlertStoreFixture
{
    private NpgsqlConnection? _lockHolder;

    protected override async Task BeforeStartAsync()
    {
        // Not pooled: closing a pooled connection keeps its session (and the lock) until the pool reuses it.
        _lockHolder = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(PostgresSchema.ConnectionString) { Pooling = false }.ConnectionString);
        await _lockHolder.OpenAsync();
        var key = BitConverter.ToInt64(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes("monitoring-story-assigner:" + SchemaName)));
        await using var command = new NpgsqlCommand("select pg_advisory_lock(@key)", _lockHolder);
        command.Parameters.AddWithValue("key", key);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Lets the assigner take the lock (it retries every few seconds).</summary>
    public async Task ReleaseAssignerAsync()
    {
        if (_lockHolder is not null) await _lockHolder.DisposeAsync();
        _lockHolder = null;
    }

    public override async Task DisposeAsync()
    {
        await ReleaseAssignerAsync();
        await base.DisposeAsync();
    }
}

/// <summary>The assigner held, and a short story wait (300 ms).</summary>
public sealed class StoryWaitFixture : HeldStoryAssignerFixture
{
    public const int WaitMs = 300;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string> { ["MONITORING_STORY_WAIT_MS"] = $"{WaitMs}" };
}

public sealed class StoryWaitTests(StoryWaitFixture store) : IClassFixture<StoryWaitFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Alerts_do_not_wait_longer_than_the_story_wait_for_an_assigner_that_does_not_run_and_get_their_story_once_it_does()
    {
        await using var exchange = await AmqpTestQueue.BindAsync(store.Broker.AmqpUri, "GH.#");
        await using var stories = await AmqpTestQueue.BindToAsync(store.Broker.AmqpUri, "monitoring.stories", "#");
        var id = Guid.NewGuid().ToString("N");
        var recorded = Stopwatch.StartNew();
        await store.RecordAsync(Articles.Classified(id, primary: ["GH"], topics: [Topics.MaritimeSecurity], severity: Severity.High));

        // The exchange: the alert goes out without its story, long before any stall timeout of old (10 s) would have passed.
        var message = Assert.Single(await exchange.WaitForAsync(m => m.Count >= 1, Timeout));
        var waited = recorded.Elapsed;
        Assert.Equal(id, message.Json.GetProperty("articleId").GetString());
        Assert.True(!message.Json.TryGetProperty("storyId", out var none) || none.ValueKind == JsonValueKind.Null, message.Json.ToString());
        Assert.True(waited < TimeSpan.FromSeconds(8), $"the alert took {waited.TotalSeconds:0.0} s");

        // The alert feed (SSE catch-up and the dashboard's list) moves past the assigner too.
        using var feed = await store.Http.GetAsync("api/alerts/stream?after=0&country=GH", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new ServerSentEventsReader(await feed.Content.ReadAsStreamAsync());
        using (var timeout = new CancellationTokenSource(Timeout))
        {
            var first = await reader.NextAsync(timeout.Token);
            Assert.NotNull(first);
            Assert.Equal(id, JsonDocument.Parse(first.Data).RootElement.GetProperty("articleId").GetString());
        }
        Assert.Empty(await stories.DrainAsync());

        // Once the assigner runs, the article's story is recorded and announced on the story exchange.
        await store.ReleaseAssignerAsync();
        var story = await stories.WaitForAsync(m => m.Any(s => s.Json.ToString().Contains(id)), Timeout);
        Assert.Contains(story, s => s.Json.ToString().Contains(id));
        await store.WaitForProjectionsAsync();
        var alerts = await store.Http.GetFromJsonAsync<JsonElement>("api/countries/GH/alerts");
        Assert.False(string.IsNullOrEmpty(alerts.GetProperty("alerts")[0].GetProperty("storyId").GetString()), alerts.ToString());
    }
}
