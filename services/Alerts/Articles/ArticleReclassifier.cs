using JasperFx.Events;
using Marten;
using JasperFx;
using Monitoring.Classification;
using Npgsql;

namespace Monitoring.Alerts.Articles;

public sealed record ReclassifyReport(int Examined, int Reclassified, int Conflicts, string ClassifierVersion);

/// <summary>
/// Re-runs the current classifier over every recorded article and appends <see cref="ArticleReclassified"/> where
/// the verdict changed. Safe while live ingestion goes on: every append expects the stream version it read, and an
/// article changed meanwhile is read again and decided again.
/// </summary>
public sealed class ArticleReclassifier(IDocumentStore store, NpgsqlDataSource database, IArticleClassifier classifier, TimeProvider clock,
    ILogger<ArticleReclassifier> logger)
{
    public async Task<ReclassifyReport> RunAsync(int pageSize, CancellationToken ct)
    {
        int examined = 0, reclassified = 0, conflicts = 0;
        var after = "";
        while (true)
        {
            IReadOnlyList<ArticleDetails> page;
            await using (var query = store.QuerySession())
            {
                page = await query.QueryAsync<ArticleDetails>("where id > ? order by id limit ?", ct, after, pageSize);
            }
            if (page.Count == 0) break;
            after = page[^1].Id;
            examined += page.Count;

            var texts = await TextsAsync(page.Select(a => a.Id).ToArray(), ct);
            var decisions = new (ArticleDetails Article, ArticleReclassified? Change)[page.Count];
            Parallel.For(0, page.Count, i => decisions[i] = (page[i], Decide(page[i], texts.GetValueOrDefault(page[i].Id, ""))));
            // In the ids' ordinal order, as the recorder appends, so the two never lock the same streams in opposite orders.
            var changes = decisions.Where(d => d.Change is not null).OrderBy(d => d.Article.Id, StringComparer.Ordinal).ToList();
            if (changes.Count == 0) continue;

            try
            {
                await using var session = store.LightweightSession();
                foreach (var (article, change) in changes) session.Events.Append(article.Id, article.Version + 1, change!);
                await session.SaveChangesAsync(ct);
                reclassified += changes.Count;
            }
            catch (Exception e) when (IsConcurrencyConflict(e))
            {
                // Someone appended to one of these streams meanwhile: decide each again on what is there now.
                foreach (var (article, _) in changes)
                {
                    var (changed, retried) = await ReclassifyOneAsync(article.Id, ct);
                    if (changed) reclassified++;
                    conflicts += retried;
                }
            }
        }
        AlertsLog.Reclassified(logger, examined, reclassified, conflicts, classifier.Version);
        return new ReclassifyReport(examined, reclassified, conflicts, classifier.Version);
    }

    private async Task<(bool Changed, int Retries)> ReclassifyOneAsync(string id, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var session = store.LightweightSession();
            var stream = await session.Events.FetchForWriting<ArticleDetails>(id, ct);
            if (stream.Aggregate is null) return (false, attempt);
            var text = (await TextsAsync([id], ct)).GetValueOrDefault(id, "");
            if (Decide(stream.Aggregate, text) is not { } change) return (false, attempt);
            stream.AppendOne(change);
            try
            {
                await session.SaveChangesAsync(ct);
                return (true, attempt);
            }
            catch (Exception e) when (IsConcurrencyConflict(e) && attempt < 5)
            {
                // changed again under us; read it once more
            }
        }
    }

    /// <summary>The latest text of each article, from its newest ArticleFetched or ArticleUpdated event.</summary>
    private async Task<Dictionary<string, string>> TextsAsync(string[] ids, CancellationToken ct)
    {
        var schema = store.Options.Events.DatabaseSchemaName;
        await using var command = database.CreateCommand($"""
            select distinct on (stream_id) stream_id, data->>'Text'
            from {schema}.mt_events
            where stream_id = any(@ids) and type in ('article_fetched', 'article_updated')
            order by stream_id, version desc
            """);
        command.Parameters.AddWithValue("ids", ids);
        var texts = new Dictionary<string, string>(ids.Length);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) texts[reader.GetString(0)] = reader.IsDBNull(1) ? "" : reader.GetString(1);
        return texts;
    }

    private ArticleReclassified? Decide(ArticleDetails article, string text)
    {
        var result = classifier.Classify(new ArticleText(article.Id, article.Title, text, article.LanguageHint, article.Url));
        return ArticleRecording.Reclassify(article, result.Language, result.Countries, result.Topics, result.Severity,
            result.ClassifierVersion, clock.GetUtcNow());
    }

    private static bool IsConcurrencyConflict(Exception e) =>
        e is ConcurrencyException or EventStreamUnexpectedMaxEventIdException || e.InnerException is ConcurrencyException;
}
