using Monitoring.Contracts;

namespace Monitoring.Dashboard.Tests;

/// <summary>
/// What the dashboard is shown: the founding Indonesian article (JP and EU), a copy of it from another source (one
/// story of two articles), a two-source story about the Philippines, and a handful of others in several languages, spread over the last month so the map, the
/// feed and the trend each have something to tell.
/// </summary>
public static class DashboardScenario
{
    public sealed record Article(string Id, string Title, string Source, string Language, string[] Primary, string[] Mentioned,
        string[] Topics, Severity Severity, TimeSpan Age);

    public static readonly string SeedTitle =
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", "seed-article.id.txt"))[0].Trim();

    public static readonly IReadOnlyList<Article> Articles =
    [
        new("seed-eu-japan", SeedTitle, "Kabar Lokal", "id", ["JP", "EU"], ["CN", "KP", "RU", "KR", "UA", "US", "AU", "GB", "IT"],
            [Topics.DefenseCooperation, Topics.MilitaryActivity, Topics.MissilesWmd, Topics.MaritimeSecurity, Topics.Cyber, Topics.HybridThreats, Topics.ArmsTrade],
            Severity.High, TimeSpan.FromMinutes(20)),
        // The same article from a second source: the seed's story has two articles.
        new("seed-copy", SeedTitle, "ANTARA", "id", ["JP", "EU"], ["CN", "KP"],
            [Topics.DefenseCooperation, Topics.MilitaryActivity, Topics.MissilesWmd], Severity.High, TimeSpan.FromMinutes(10)),
        new("jp-drills", "日本、南西諸島で大規模な共同訓練", "NHK", "ja", ["JP"], ["US"], [Topics.MilitaryActivity], Severity.Medium, TimeSpan.FromDays(2)),
        new("jp-cyber", "防衛省にサイバー攻撃、情報流出の恐れ", "Asahi", "ja", ["JP"], [], [Topics.Cyber], Severity.Low, TimeSpan.FromDays(5)),
        new("jp-missile", "北朝鮮ミサイル、日本のEEZ内に落下", "Yomiuri", "ja", ["JP"], ["KP"], [Topics.MissilesWmd], Severity.Critical, TimeSpan.FromDays(12)),
        new("ua-strike", "Ракетний удар по енергетичній інфраструктурі Харкова", "Ukrinform", "uk", ["UA"], ["RU"], [Topics.ArmedConflict, Topics.MissilesWmd], Severity.Critical, TimeSpan.FromHours(3)),
        new("ua-drones", "Сили ППО збили 40 дронів над Києвом", "Ukrainska Pravda", "uk", ["UA"], ["RU"], [Topics.ArmedConflict], Severity.High, TimeSpan.FromHours(6)),
        new("ua-sanctions", "ЄС погодив новий пакет санкцій", "Ukrinform", "uk", ["UA", "EU"], ["RU"], [Topics.Sanctions], Severity.Medium, TimeSpan.FromHours(9)),
        new("kp-launch", "북한, 동해상으로 탄도미사일 발사", "Yonhap", "ko", ["KP"], ["KR", "JP"], [Topics.MissilesWmd], Severity.High, TimeSpan.FromDays(3)),
        new("fr-cyber", "Cyberattaque contre des hôpitaux français", "Le Monde", "fr", ["FR"], [], [Topics.Cyber], Severity.Medium, TimeSpan.FromHours(2)),
        new("sg-strait", "Singapore navy shadows vessels in the Strait", "The Straits Times", "en", ["SG"], ["MY"], [Topics.MaritimeSecurity], Severity.Low, TimeSpan.FromHours(1)),
        // A story about the Philippines that a live alert joins in the stories test.
        new("ph-shoal", "Philippine coast guard blocks Chinese vessels near Scarborough Shoal", "Reuters", "en", ["PH"], ["CN"],
            [Topics.MaritimeSecurity], Severity.Medium, TimeSpan.FromHours(4)),
        new("ph-shoal-ap", "Philippine coast guard blocks Chinese vessels near Scarborough Shoal", "AP", "en", ["PH"], ["CN"],
            [Topics.MaritimeSecurity], Severity.Medium, TimeSpan.FromHours(3)),
        new("us-chips", "US widens export controls on advanced chips", "Reuters", "en", ["US"], ["CN"], [Topics.Sanctions, Topics.ArmsTrade], Severity.Low, TimeSpan.FromHours(12)),
    ];

    public static ArticleClassified Classified(Article a, string runId, DateTimeOffset now)
    {
        var at = now - a.Age;
        var id = $"{runId}-{a.Id}";
        var fetched = new ArticleFetched(id, 1, $"https://feeds.example/{a.Source.Replace(' ', '-').ToLowerInvariant()}.xml", a.Source,
            $"https://news.example/{a.Id}", a.Title, a.Title, a.Language, at.AddMinutes(-10), at, "hash-" + id);
        var countries = a.Primary.Select(c => new CountryMention(c, 4, true)).Concat(a.Mentioned.Select(c => new CountryMention(c, 1, false))).ToList();
        return new ArticleClassified(fetched, a.Language, countries, a.Topics.Select(t => new TopicScore(t, 3, [t])).ToList(), a.Severity, "dashboard-test", at);
    }

}
