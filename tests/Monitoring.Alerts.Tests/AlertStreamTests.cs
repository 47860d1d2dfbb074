using System.Net;
using System.Text.Json;
using Monitoring.Contracts;
using Monitoring.Testing;

namespace Monitoring.Alerts.Tests;

public sealed class AlertStreamTests(AlertStoreFixture store) : IClassFixture<AlertStoreFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static string NewId() => Guid.NewGuid().ToString("N");

    private sealed class SseConnection(HttpResponseMessage response, ServerSentEventsReader reader) : IDisposable
    {
        public async Task<List<ServerSentEvent>> ReadAsync(int count)
        {
            using var timeout = new CancellationTokenSource(Timeout);
            var events = new List<ServerSentEvent>();
            while (events.Count < count && await reader.NextAsync(timeout.Token) is { } e) events.Add(e);
            return events;
        }

        public void Dispose()
        {
            reader.Dispose();
            response.Dispose();
        }
    }

    private async Task<SseConnection> ConnectAsync(string query, long? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "api/alerts/stream" + query);
        if (lastEventId is { } id) request.Headers.Add("Last-Event-ID", id.ToString());
        var response = await store.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new SseConnection(response, new ServerSentEventsReader(await response.Content.ReadAsStreamAsync()));
    }

    private static string ArticleOf(ServerSentEvent e) => JsonDocument.Parse(e.Data).RootElement.GetProperty("articleId").GetString()!;

    [Fact]
    public async Task An_alert_recorded_while_a_client_listens_arrives_live_with_its_position_as_id()
    {
        using var client = await ConnectAsync("?country=MX");
        var id = NewId();
        await store.RecordAsync(Articles.Classified(id, primary: ["MX"]));
        var received = Assert.Single(await client.ReadAsync(1));
        Assert.Equal("alert", received.Event);
        Assert.Equal(id, ArticleOf(received));
        var data = JsonDocument.Parse(received.Data).RootElement;
        Assert.Equal(long.Parse(received.Id!), data.GetProperty("position").GetInt64());
        Assert.Equal("high", data.GetProperty("severity").GetString());
        Assert.Contains("MX", data.GetProperty("primary").EnumerateArray().Select(c => c.GetString()));
    }

    [Fact]
    public async Task A_client_that_disconnects_and_resumes_with_Last_Event_ID_sees_every_alert_exactly_once()
    {
        var early = Enumerable.Range(0, 30).Select(_ => NewId()).ToList();
        await store.RecordBatchAsync(early.Select(id => Articles.Classified(id, primary: ["AR"])).ToList());

        List<ServerSentEvent> first;
        using (var client = await ConnectAsync("?country=AR&after=0"))
        {
            first = await client.ReadAsync(12);
        }

        // Alerts keep coming while the client is away, some for other countries.
        var late = Enumerable.Range(0, 20).Select(_ => NewId()).ToList();
        foreach (var chunk in late.Chunk(5))
        {
            await store.RecordBatchAsync(chunk.Select(id => Articles.Classified(id, primary: ["AR"])).ToList());
            await store.RecordAsync(Articles.Classified(NewId(), primary: ["CL"]));
        }

        using var resumed = await ConnectAsync("?country=AR", long.Parse(first[^1].Id!));
        var rest = await resumed.ReadAsync(early.Count + late.Count - first.Count);
        var all = first.Concat(rest).ToList();

        Assert.Equal(early.Concat(late).Order(), all.Select(ArticleOf).Order());
        var positions = all.Select(e => long.Parse(e.Id!)).ToList();
        Assert.Equal(positions.Order(), positions);
        Assert.Equal(positions.Count, positions.Distinct().Count());
    }

    [Fact]
    public async Task The_stream_filters_by_topic_and_severity()
    {
        using var client = await ConnectAsync("?country=UY&topic=cyber&minSeverity=high");
        await store.RecordAsync(Articles.Classified(NewId(), primary: ["UY"], topics: [Topics.Cyber], severity: Severity.Low));
        await store.RecordAsync(Articles.Classified(NewId(), primary: ["UY"], topics: [Topics.Terrorism], severity: Severity.Critical));
        var wanted = NewId();
        await store.RecordAsync(Articles.Classified(wanted, primary: ["UY"], topics: [Topics.Cyber, Topics.Sanctions], severity: Severity.High));
        Assert.Equal(wanted, ArticleOf(Assert.Single(await client.ReadAsync(1))));
    }

    [Fact]
    public async Task A_time_range_replays_and_ends_the_stream()
    {
        var since = DateTimeOffset.UtcNow;
        var ids = Enumerable.Range(0, 5).Select(_ => NewId()).ToList();
        await store.RecordBatchAsync(ids.Select(id => Articles.Classified(id, primary: ["PY"])).ToList());
        await store.WaitForProjectionsAsync();
        var until = DateTimeOffset.UtcNow;
        await store.RecordAsync(Articles.Classified(NewId(), primary: ["PY"]));
        await store.WaitForProjectionsAsync();

        using var client = await ConnectAsync($"?country=PY&since={Uri.EscapeDataString(since.ToString("O"))}&until={Uri.EscapeDataString(until.ToString("O"))}");
        var events = await client.ReadAsync(100);
        Assert.Equal(ids.Order(), events.Select(ArticleOf).Order());
    }

    [Fact]
    public async Task A_withdrawn_alert_is_announced_to_that_country_s_listeners()
    {
        using var client = await ConnectAsync("?country=BO");
        var id = NewId();
        await store.RecordAsync(Articles.Classified(id, primary: ["BO", "PE"]));
        await store.RecordAsync(Articles.Classified(id, revision: 2, primary: ["PE"], mentioned: ["BO"]));
        var events = await client.ReadAsync(2);
        Assert.Equal(["alert", "withdrawn"], events.Select(e => e.Event));
        Assert.Equal(["BO"], JsonDocument.Parse(events[1].Data).RootElement.GetProperty("withdrawnFrom").EnumerateArray().Select(c => c.GetString()));
    }

    [Fact]
    public async Task Unknown_filters_are_refused_with_400()
    {
        using var response = await store.Http.GetAsync("api/alerts/stream?topic=weather");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
