using Marten;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;
using Monitoring.Alerts.CountryAlerts;
using Monitoring.Alerts.Stories;
using Monitoring.Classification.Language;
using Monitoring.Contracts;

namespace Monitoring.Alerts.Dashboard;

/// <summary>
/// The operator dashboard at <c>/</c>: a page and its bundled script and style, embedded in the assembly by the build
/// (Dashboard.targets), plus the small read endpoints it needs beyond the alert API: the newest alerts with the stream
/// position they stand at, the filters' vocabulary, and many stories' sizes in one request.
/// </summary>
public static class DashboardEndpoints
{
    private const string ResourcePrefix = "Monitoring.Alerts.Dashboard.wwwroot";

    /// <summary>The most stories <c>/api/dashboard/stories</c> answers for at once.</summary>
    public const int MaxStories = 200;

    public static WebApplication MapDashboard(this WebApplication app)
    {
        var files = new EmbeddedFileProvider(typeof(DashboardEndpoints).Assembly, ResourcePrefix);
        var page = files.GetFileInfo("index.html");
        if (!page.Exists)
            throw new InvalidOperationException("The dashboard is not embedded in Monitoring.Alerts.dll: build the service with Node.js and npm installed.");
        var index = ReadAll(page);

        app.MapGet("/", (HttpContext http) =>
        {
            // The page names content-hashed assets, so only the page itself must be revalidated after a deploy.
            http.Response.Headers.CacheControl = "no-cache";
            return Results.Bytes(index, "text/html; charset=utf-8");
        });
        app.UseStaticFiles(new StaticFileOptions
        {
            RequestPath = "/assets",
            FileProvider = files,
            OnPrepareResponse = context => context.Context.Response.Headers[HeaderNames.CacheControl] = "public, max-age=31536000, immutable",
        });

        app.MapGet("/api/alerts", async (string? country, string? topic, string? minSeverity, string? language, int? limit,
            RecentAlerts recent, CancellationToken ct) =>
        {
            string? code = null;
            if (country is not null && (code = CountryAlertsEndpoints.ParseCountry(country)) is null)
                return Results.BadRequest(new { error = "country must be an ISO 3166-1 alpha-2 code or EU" });
            if (CountryAlertsEndpoints.ParseFilter(topic, minSeverity) is { } error) return error;
            if (language is not null && Languages.IndexOf(language) < 0 && language != Languages.Unknown)
                return Results.BadRequest(new { error = $"unknown language '{language}'; languages are {string.Join(", ", Languages.Codes)}" });
            Severities.TryParse(minSeverity ?? "none", out var floor);
            var filter = new RecentAlertsFilter(code, topic, floor, language,
                Math.Clamp(limit ?? CountryAlertsEndpoints.DefaultLimit, 1, RecentAlerts.MaxLimit));
            return Results.Ok(await recent.ReadAsync(filter, ct));
        });

        app.MapGet("/api/dashboard/stories", async (string? ids, IQuerySession session, StoryOptions options, TimeProvider clock, CancellationToken ct) =>
        {
            var wanted = (ids ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToArray();
            if (wanted.Length is 0 or > MaxStories)
                return Results.BadRequest(new { error = $"ids must name 1 to {MaxStories} stories, comma-separated" });
            var stories = await session.LoadManyAsync<Story>(ct, wanted);
            var now = clock.GetUtcNow();
            return Results.Ok(new { stories = stories.Select(story => StoriesEndpoints.View(story, [], options, now)) });
        });

        app.MapGet("/api/vocabulary", () => Results.Ok(new
        {
            topics = Topics.All,
            severities = Enum.GetValues<Severity>().Select(s => s.ToId()),
            languages = Languages.Codes,
        }));
        return app;
    }

    private static byte[] ReadAll(IFileInfo file)
    {
        using var stream = file.CreateReadStream();
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
