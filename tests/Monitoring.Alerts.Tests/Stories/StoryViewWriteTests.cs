using Marten;
using Monitoring.Alerts.Stories;
using Monitoring.Contracts;
using Npgsql;

namespace Monitoring.Alerts.Tests.Stories;

/// <summary>
/// The story view writes a page's stories and article entries with one statement each (<see cref="StoryProjection"/>):
/// these tests hold those rows to the ones Marten's own upsert writes, on insert and on update, and read them back.
/// </summary>
public sealed class StoryViewWriteTests(AlertStoreFixture store) : IClassFixture<AlertStoreFixture>
{
    private static string NewId() => Guid.NewGuid().ToString("N");

    private static Story StoryWith(string id, DateTimeOffset? surge, int articles) => new()
    {
        Id = id, Title = "EU and Japan sign a defence pact", Countries = ["JP", "BE"], Topics = ["defence"],
        Severity = Severity.High, SeverityLevel = (int)Severity.High, Sources = ["a.example", "b.example"], Languages = ["id", "en"],
        ArticleCount = articles, SourceTimeline = [new SourceSeen("a.example", DateTimeOffset.Parse("2026-11-27T08:00:00+07:00"))],
        FirstSeen = DateTimeOffset.Parse("2026-11-27T08:00:00+07:00"), LastUpdated = DateTimeOffset.Parse("2026-11-27T09:30:00Z"),
        LastSurgeAt = surge, Position = 42,
    };

    private static StoryArticleEntry EntryWith(string storyId, string articleId, bool active) => new()
    {
        Id = StoryArticleEntry.IdFor(storyId, articleId), StoryId = storyId, JoinedPosition = 41, Active = active,
        Article = new StoryArticle(articleId, 41, 1, "Uni Eropa dan Jepang teken pakta pertahanan", "https://a.example/1", "a.example", "id",
            DateTimeOffset.Parse("2026-11-27T08:00:00+07:00"), DateTimeOffset.Parse("2026-11-27T01:01:00Z"), ["JP", "BE"], ["defence"], Severity.High),
        Match = new StoryMatch("same-event", "other", 0.8, 0.4, 0.6, ["@JPN", "#2026"]),
    };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Stories_and_article_entries_written_set_based_are_the_rows_Marten_writes(bool surge)
    {
        var at = surge ? DateTimeOffset.Parse("2026-11-27T09:00:00Z") : (DateTimeOffset?)null;
        var (byMarten, setBased) = (NewId(), NewId());

        // Inserted, then updated (a later page changes both): each time compared with Marten's own write.
        foreach (var (active, count) in new[] { (true, 2), (false, 3) })
        {
            await using (var session = store.Store.LightweightSession())
            {
                session.Store(StoryWith(byMarten, at, count));
                session.Store(EntryWith(byMarten, "article", active));
                await session.SaveChangesAsync();
            }
            await using (var session = store.Store.LightweightSession())
            {
                StoryProjection.QueueStories(session, [StoryWith(setBased, at, count)]);
                StoryProjection.QueueEntries(session, [EntryWith(setBased, "article", active)]);
                await session.SaveChangesAsync();
            }
            Assert.Equal(await RowsAsync("mt_doc_story", byMarten, byMarten), await RowsAsync("mt_doc_story", setBased, setBased));
            Assert.Equal(await RowsAsync("mt_doc_storyarticleentry", StoryArticleEntry.IdFor(byMarten, "article"), byMarten),
                await RowsAsync("mt_doc_storyarticleentry", StoryArticleEntry.IdFor(setBased, "article"), setBased));
        }

        // Read back through Marten, by id and by the duplicated columns the API queries.
        await using var query = store.Store.QuerySession();
        var story = await query.LoadAsync<Story>(setBased);
        Assert.NotNull(story);
        Assert.Equal(3, story.ArticleCount);
        Assert.Equal(at, story.LastSurgeAt);
        var entries = await query.Query<StoryArticleEntry>().Where(e => e.StoryId == setBased && !e.Active).ToListAsync();
        Assert.Equal("Uni Eropa dan Jepang teken pakta pertahanan", Assert.Single(entries).Article.Title);
    }

    /// <summary>Every column (of the version and modification time, new on every write, only that they are set), the story id masked.</summary>
    private async Task<List<string>> RowsAsync(string table, string id, string storyId)
    {
        await using var connection = new NpgsqlConnection(Testing.PostgresSchema.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select * from {store.SchemaName}.{table} where id = $1", connection)
        {
            Parameters = { new() { Value = id } },
        };
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetName(i) + "=" + (
                reader.IsDBNull(i) ? "NULL"
                : reader.GetName(i) is "mt_version" or "mt_last_modified" ? "set"
                : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)))));
        }
        Assert.NotEmpty(rows);
        return rows.Select(r => r.Replace(storyId, "STORY")).ToList();
    }
}
