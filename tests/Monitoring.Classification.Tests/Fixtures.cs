using Monitoring.Classification;
using Monitoring.Testing;

namespace Monitoring.Classification.Tests;

public static class Fixtures
{
    /// <summary>The founding example: title is the first line, text the rest.</summary>
    public static ArticleText SeedArticle()
    {
        var lines = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "seed-article.id.txt")).Split('\n', 2);
        return new ArticleText("seed", lines[0].Trim(), lines[1].Trim(), "id");
    }
}
