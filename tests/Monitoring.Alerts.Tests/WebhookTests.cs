using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using JasperFx.Events.Daemon;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Monitoring.Alerts.AlertFeed;
using Monitoring.Contracts;
using Monitoring.Testing;

namespace Monitoring.Alerts.Tests;

public sealed class WebhookTests(AlertStoreFixture store) : IClassFixture<AlertStoreFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private const string Secret = "a-webhook-secret-of-32-characters";

    private static string NewId() => Guid.NewGuid().ToString("N");

    /// <summary>A real HTTP receiver that records every delivery and answers with the status the test chooses.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        public readonly ConcurrentQueue<(IHeaderDictionary Headers, string Body)> Requests = new();
        public Func<int, HttpStatusCode> Answer = _ => HttpStatusCode.OK;
        private LocalHttpServer _server = null!;

        // A path of its own: a port freed by an earlier test's receiver may be reused, and that test's
        // subscription may still be retrying towards it.
        private readonly string _path = "/hook/" + Guid.NewGuid().ToString("N");

        public Uri Url => _server.Url(_path);

        public static async Task<Receiver> StartAsync()
        {
            var receiver = new Receiver();
            receiver._server = await LocalHttpServer.StartAsync(async context =>
            {
                if (context.Request.Path != receiver._path)
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return;
                }
                using var reader = new StreamReader(context.Request.Body);
                receiver.Requests.Enqueue((new HeaderDictionary(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value)), await reader.ReadToEndAsync()));
                context.Response.StatusCode = (int)receiver.Answer(receiver.Requests.Count);
            });
            return receiver;
        }

        public async Task<List<(IHeaderDictionary Headers, string Body)>> WaitForAsync(int count)
        {
            var deadline = DateTime.UtcNow + Timeout;
            while (Requests.Count < count && DateTime.UtcNow < deadline) await Task.Delay(50);
            return Requests.ToList();
        }

        public ValueTask DisposeAsync() => _server.DisposeAsync();
    }

    private async Task<string> SubscribeAsync(Uri url, string[] countries, string[]? topics = null, string? minSeverity = null)
    {
        using var response = await store.AdminHttp.PostAsJsonAsync("api/subscriptions", new
        {
            name = "test", countries, topics, minSeverity, webhook = new { url = url.ToString(), secret = Secret },
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private async Task<JsonElement> SubscriptionAsync(string id) =>
        await store.Http.GetFromJsonAsync<JsonElement>($"api/subscriptions/{id}");

    private async Task<JsonElement> WaitForDeliveryStateAsync(string id, string status, int count)
    {
        var deadline = DateTime.UtcNow + Timeout;
        JsonElement state;
        do
        {
            state = await SubscriptionAsync(id);
            if (state.GetProperty("deliveries").GetProperty(status).GetInt32() >= count) return state;
            await Task.Delay(100);
        } while (DateTime.UtcNow < deadline);
        throw new TimeoutException($"subscription {id} never had {count} {status} deliveries: {state}");
    }

    [Fact]
    public async Task Managing_subscriptions_requires_the_API_key()
    {
        using var response = await store.Http.PostAsJsonAsync("api/subscriptions", new { name = "x", webhook = new { url = "https://example.com/hook" } });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "api/subscriptions");
        wrong.Headers.Add("X-Api-Key", "not-the-key");
        Assert.Equal(HttpStatusCode.Unauthorized, (await store.Http.SendAsync(wrong)).StatusCode);
    }

    [Theory]
    [InlineData("""{"name":"x","webhook":{"url":"ftp://example.com/hook"}}""", "webhook.url")]
    [InlineData("""{"name":"x","countries":["Japan"],"webhook":{"url":"https://example.com/hook"}}""", "countries")]
    [InlineData("""{"name":"x","topics":["weather"],"webhook":{"url":"https://example.com/hook"}}""", "topic")]
    [InlineData("""{"name":"x","webhook":{"url":"https://example.com/hook","secret":"short"}}""", "secret")]
    public async Task A_bad_subscription_is_refused_with_the_reason(string body, string reason)
    {
        using var response = await store.AdminHttp.PostAsync("api/subscriptions", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Matching_alerts_are_delivered_once_each_signed_with_the_subscription_secret()
    {
        await using var receiver = await Receiver.StartAsync();
        var subscription = await SubscribeAsync(receiver.Url, ["IN"], [Topics.Terrorism], "medium");
        var wanted = NewId();
        await store.RecordAsync(Articles.Classified(NewId(), primary: ["IN"], topics: [Topics.Terrorism], severity: Severity.Low));
        await store.RecordAsync(Articles.Classified(NewId(), primary: ["PK"], topics: [Topics.Terrorism], severity: Severity.High));
        await store.RecordAsync(Articles.Classified(wanted, primary: ["IN"], topics: [Topics.Terrorism], severity: Severity.Critical));

        var requests = await receiver.WaitForAsync(1);
        await WaitForDeliveryStateAsync(subscription, "delivered", 1);
        await Task.Delay(300);
        var (headers, body) = Assert.Single(receiver.Requests);
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal(wanted, json.GetProperty("alert").GetProperty("articleId").GetString());
        Assert.Equal("alert", json.GetProperty("event").GetString());
        Assert.Equal(headers["X-Monitoring-Delivery"].ToString(), json.GetProperty("deliveryId").GetString());
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret),
            Encoding.UTF8.GetBytes($"{headers["X-Monitoring-Timestamp"]}.{body}")));
        Assert.Equal(expected, headers["X-Monitoring-Signature"].ToString());
    }

    [Fact]
    public async Task A_backlog_of_several_reads_is_delivered_once_each_and_a_rewound_dispatcher_writes_none_again()
    {
        await using var receiver = await Receiver.StartAsync();
        var subscription = await SubscribeAsync(receiver.Url, ["MV"]);
        var before = (await store.Store.Advanced.FetchEventStoreStatistics()).EventSequenceNumber;
        // One transaction: the dispatcher's range covers all of them and is read in several pages.
        var count = AlertFeedReader.PageSize * 2 + 100;
        Assert.Equal(count, await store.RecordBatchAsync(
            Enumerable.Range(0, count).Select(_ => Articles.Classified(NewId(), primary: ["MV"])).ToList()));
        await WaitForDeliveryStateAsync(subscription, "delivered", count);

        // The range again, as after a crash before the daemon committed it: the deliveries are there, none is written twice.
        var daemon = store.Services.GetRequiredService<IProjectionCoordinator>().DaemonForMainDatabase();
        await daemon.RewindSubscriptionAsync("webhook-dispatch", CancellationToken.None, sequenceFloor: before);
        await store.WaitForProjectionsAsync();
        await Task.Delay(500);
        var deliveries = (await SubscriptionAsync(subscription)).GetProperty("deliveries");
        Assert.Equal(count, deliveries.GetProperty("delivered").GetInt32());
        Assert.Equal(0, deliveries.GetProperty("pending").GetInt32());
        var ids = receiver.Requests.Select(r => r.Headers["X-Monitoring-Delivery"].ToString()).ToList();
        Assert.Equal(count, ids.Count);
        Assert.Equal(count, ids.Distinct().Count());
    }

    [Fact]
    public async Task A_failing_endpoint_is_retried_with_backoff_until_it_answers_and_the_log_shows_every_attempt()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Answer = n => n <= 2 ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.NoContent;
        var subscription = await SubscribeAsync(receiver.Url, ["BD"]);
        await store.RecordAsync(Articles.Classified(NewId(), primary: ["BD"]));

        var state = await WaitForDeliveryStateAsync(subscription, "delivered", 1);
        var delivery = Assert.Single(state.GetProperty("recent").EnumerateArray());
        Assert.Equal(3, delivery.GetProperty("attempts").GetInt32());
        Assert.Equal([503, 503, 204], delivery.GetProperty("log").EnumerateArray().Select(a => a.GetProperty("statusCode").GetInt32()));
        var requests = receiver.Requests.ToList();
        Assert.Single(requests.Select(r => r.Headers["X-Monitoring-Delivery"].ToString()).Distinct());
    }

    [Fact]
    public async Task A_delivery_that_keeps_failing_is_dead_lettered_and_can_be_retried()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Answer = _ => HttpStatusCode.InternalServerError;
        var subscription = await SubscribeAsync(receiver.Url, ["NP"]);
        await store.RecordAsync(Articles.Classified(NewId(), primary: ["NP"]));

        var state = await WaitForDeliveryStateAsync(subscription, "dead", 1);
        var delivery = Assert.Single(state.GetProperty("recent").EnumerateArray());
        Assert.True(delivery.GetProperty("attempts").GetInt32() == 3, $"expected 3 attempts: {state}");
        Assert.Contains("500", delivery.GetProperty("lastError").GetString());

        receiver.Answer = _ => HttpStatusCode.OK;
        using var retry = await store.AdminHttp.PostAsync($"api/subscriptions/{subscription}/deliveries/{delivery.GetProperty("id").GetString()}/retry", null);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        await WaitForDeliveryStateAsync(subscription, "delivered", 1);
    }

    [Fact]
    public async Task A_paused_subscription_receives_nothing_until_resumed_and_then_everything()
    {
        await using var receiver = await Receiver.StartAsync();
        var subscription = await SubscribeAsync(receiver.Url, ["LK"]);
        (await store.AdminHttp.PostAsync($"api/subscriptions/{subscription}/pause", null)).EnsureSuccessStatusCode();
        Assert.Equal("paused", (await SubscriptionAsync(subscription)).GetProperty("subscription").GetProperty("status").GetString());
        await store.RecordAsync(Articles.Classified(NewId(), primary: ["LK"]));
        await store.WaitForProjectionsAsync();
        await Task.Delay(500);
        Assert.Empty(receiver.Requests);

        (await store.AdminHttp.PostAsync($"api/subscriptions/{subscription}/resume", null)).EnsureSuccessStatusCode();
        await store.RecordAsync(Articles.Classified(NewId(), primary: ["LK"]));
        await WaitForDeliveryStateAsync(subscription, "delivered", 1);
    }

    [Fact]
    public async Task Replaying_a_time_range_delivers_its_alerts_again_marked_as_replay()
    {
        var since = DateTimeOffset.UtcNow;
        var id = NewId();
        await store.RecordAsync(Articles.Classified(id, primary: ["MM"]));
        await store.WaitForProjectionsAsync();

        await using var receiver = await Receiver.StartAsync();
        var subscription = await SubscribeAsync(receiver.Url, ["MM"]);
        using var replay = await store.AdminHttp.PostAsJsonAsync($"api/subscriptions/{subscription}/replay", new { since });
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        Assert.Equal(1, (await replay.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("deliveries").GetInt32());

        var (_, body) = Assert.Single(await receiver.WaitForAsync(1));
        var json = JsonDocument.Parse(body).RootElement;
        Assert.True(json.GetProperty("replay").GetBoolean());
        Assert.Equal(id, json.GetProperty("alert").GetProperty("articleId").GetString());
    }

    [Fact]
    public async Task A_deleted_subscription_is_gone()
    {
        var subscription = await SubscribeAsync(new Uri("http://127.0.0.1:9/hook"), ["QA"]);
        Assert.Equal(HttpStatusCode.OK, (await store.AdminHttp.DeleteAsync($"api/subscriptions/{subscription}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await store.AdminHttp.DeleteAsync($"api/subscriptions/{subscription}")).StatusCode);
        var list = await store.AdminHttp.GetFromJsonAsync<JsonElement>("api/subscriptions");
        Assert.DoesNotContain(list.EnumerateArray(), s => s.GetProperty("id").GetString() == subscription);
    }
}
