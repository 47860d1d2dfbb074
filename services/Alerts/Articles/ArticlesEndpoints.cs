using Marten;

namespace Monitoring.Alerts.Articles;

public static class ArticlesEndpoints
{
    public static WebApplication MapArticlesApi(this WebApplication app)
    {
        app.MapGet("/api/articles/{articleId}", async (string articleId, IQuerySession session, CancellationToken ct) =>
        {
            var article = await session.LoadAsync<ArticleDetails>(articleId, ct);
            if (article is null) return Results.NotFound(new { error = $"no article {articleId}" });
            var events = await session.Events.FetchStreamAsync(articleId, token: ct);
            var text = events.Select(e => e.Data switch { ArticleFetched f => f.Text, ArticleUpdated u => u.Text, _ => null })
                .LastOrDefault(t => t is not null);
            return Results.Ok(new
            {
                article,
                text,
                history = events.Select(e => new
                {
                    sequence = e.Sequence,
                    version = e.Version,
                    type = e.EventTypeName,
                    timestamp = e.Timestamp,
                    data = e.Data,
                }),
            });
        });
        return app;
    }
}
