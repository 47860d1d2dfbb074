using Monitoring.Alerts.Articles;
using Monitoring.Contracts;
using ArticleClassified = Monitoring.Alerts.Articles.ArticleClassified;
using ArticleFetched = Monitoring.Alerts.Articles.ArticleFetched;

namespace Monitoring.Alerts.Tests;

public sealed class ArticleRecordingTests
{
    private static ArticleDetails Recorded(Contracts.ArticleClassified message)
    {
        var events = ArticleRecording.Decide(null, message);
        var article = ArticleDetails.Create((ArticleFetched)events[0]);
        article.Apply((ArticleClassified)events[1]);
        article.Version = 2;
        return article;
    }

    [Fact]
    public void A_new_article_records_its_fetch_and_its_classification()
    {
        var events = ArticleRecording.Decide(null, Articles.Classified("a"));
        Assert.Collection(events,
            e => Assert.IsType<ArticleFetched>(e),
            e => Assert.Equal(["JP", "EU"], Assert.IsType<ArticleClassified>(e).Alert().Countries));
    }

    [Fact]
    public void A_redelivery_of_the_same_revision_records_nothing()
    {
        Assert.Empty(ArticleRecording.Decide(Recorded(Articles.Classified("a")), Articles.Classified("a", revision: 1)));
    }

    [Fact]
    public void An_edit_records_the_update_and_its_new_classification_with_what_it_alerted_before()
    {
        var events = ArticleRecording.Decide(Recorded(Articles.Classified("a")), Articles.Classified("a", revision: 2, title: "Edited", primary: ["JP"]));
        Assert.Equal("Edited", Assert.IsType<ArticleUpdated>(events[0]).Title);
        var classified = Assert.IsType<ArticleClassified>(events[1]);
        Assert.Equal(2, classified.Revision);
        Assert.Equal(["JP", "EU"], classified.Previous.Countries);
        Assert.Equal(["EU"], classified.WithdrawnCountries());
    }

    [Fact]
    public void An_older_revision_arriving_late_records_nothing()
    {
        var current = Recorded(Articles.Classified("a", revision: 3));
        Assert.Empty(ArticleRecording.Decide(current, Articles.Classified("a", revision: 2)));
    }

    [Fact]
    public void The_detection_time_of_an_article_stays_that_of_its_first_alert()
    {
        var first = DateTimeOffset.UtcNow.AddDays(-2);
        var current = Recorded(Articles.Classified("a", classifiedAt: first));
        var classified = (ArticleClassified)ArticleRecording.Decide(current, Articles.Classified("a", revision: 2))[1];
        Assert.Equal(first, classified.DetectedAt);
    }

    [Fact]
    public void An_article_without_security_topics_alerts_no_country()
    {
        var classified = (ArticleClassified)ArticleRecording.Decide(null, Articles.Classified("a", topics: [], severity: Severity.None))[1];
        Assert.Empty(classified.Alert().Countries);
        Assert.Contains(classified.Countries, c => c.Primary);
    }

    [Fact]
    public void Reclassifying_with_the_same_verdict_records_nothing_even_from_a_new_classifier_version()
    {
        var current = Recorded(Articles.Classified("a"));
        var same = Articles.Classified("a", version: "test-2");
        Assert.Null(ArticleRecording.Reclassify(current, "id", same.Countries, same.Topics, same.Severity, "test-2", DateTimeOffset.UtcNow));
    }

    [Fact]
    public void Reclassifying_with_a_different_verdict_records_it_with_the_previous_alert_and_classifier()
    {
        var current = Recorded(Articles.Classified("a"));
        var other = Articles.Classified("a", primary: ["JP"], mentioned: ["EU", "CN"], topics: [Topics.Cyber], severity: Severity.Medium);
        var change = ArticleRecording.Reclassify(current, "id", other.Countries, other.Topics, other.Severity, "test-2", DateTimeOffset.UtcNow);
        Assert.NotNull(change);
        Assert.Equal("test-1", change.PreviousClassifierVersion);
        Assert.Equal(["JP", "EU"], change.Previous.Countries);
        Assert.Equal(["EU"], change.WithdrawnCountries());
        Assert.Equal(current.AlertedAt, change.DetectedAt);
    }
    [Fact]
    public void Only_an_articles_first_classification_counts_as_its_first_verdict_for_the_alert_projection()
    {
        // The country-alerts projection loads no stored alerts for a first verdict: it must be the classification that
        // opens a stream (version 2, after ArticleFetched), never an edit's classification or a reclassification.
        var first = ArticleRecording.Decide(null, Articles.Classified("a"));
        var edit = ArticleRecording.Decide(Recorded(Articles.Classified("a")), Articles.Classified("a", revision: 2, primary: ["JP"]));
        var stream = first.Concat(edit).Select((data, i) => Versioned(data, i + 1)).ToList();
        Assert.Equal([false, true, false, false], stream.Select(CountryAlerts.CountryAlertsProjection.IsFirstVerdict));

        var reclassified = ArticleRecording.Reclassify(Recorded(Articles.Classified("a")), "id", [], [], Severity.None, "v2", DateTimeOffset.UtcNow);
        Assert.False(CountryAlerts.CountryAlertsProjection.IsFirstVerdict(Versioned(reclassified!, 2)));
    }

    private static JasperFx.Events.IEvent Versioned(object data, long version)
    {
        var e = (JasperFx.Events.IEvent)Activator.CreateInstance(typeof(JasperFx.Events.Event<>).MakeGenericType(data.GetType()), data)!;
        e.Version = version;
        return e;
    }
}
