using Monitoring.Alerts.Articles;

namespace Monitoring.Alerts.Tests;

public sealed class ArticleRecordingTests
{
    private static ArticleDetails Recorded(int revision) => new() { Id = "a", Revision = revision };

    [Fact]
    public void A_new_article_records_its_fetch_and_its_classification()
    {
        var events = ArticleRecording.Decide(null, Articles.Classified("a"));
        Assert.Collection(events,
            e => Assert.IsType<ArticleFetched>(e),
            e => Assert.Equal(["JP", "EU"], Assert.IsType<ArticleClassified>(e).PrimaryCountries));
    }

    [Fact]
    public void A_redelivery_of_the_same_revision_records_nothing()
    {
        Assert.Empty(ArticleRecording.Decide(Recorded(1), Articles.Classified("a", revision: 1)));
    }

    [Fact]
    public void An_edit_records_the_update_and_its_new_classification()
    {
        var events = ArticleRecording.Decide(Recorded(1), Articles.Classified("a", revision: 2, title: "Edited"));
        Assert.Equal("Edited", Assert.IsType<ArticleUpdated>(events[0]).Title);
        Assert.Equal(2, Assert.IsType<ArticleClassified>(events[1]).Revision);
    }

    [Fact]
    public void An_older_revision_arriving_late_records_nothing()
    {
        Assert.Empty(ArticleRecording.Decide(Recorded(3), Articles.Classified("a", revision: 2)));
    }

    [Fact]
    public void The_classified_event_carries_the_headline_an_alert_shows()
    {
        var classified = (ArticleClassified)ArticleRecording.Decide(null, Articles.Classified("a"))[1];
        Assert.Equal("https://kabar.example/a", classified.Url);
        Assert.Equal("Kabar Contoh", classified.Source);
        Assert.Equal("test-1", classified.ClassifierVersion);
    }
}
