namespace Monitoring.Contracts;

/// <summary>
/// Published by the Classifier: the article as fetched plus what the classifier decided about it.
/// Carries the whole article so the Alerts service can record it without asking anyone else.
/// </summary>
public sealed record ArticleClassified(
    ArticleFetched Article,
    string Language,
    IReadOnlyList<CountryMention> Countries,
    IReadOnlyList<TopicScore> Topics,
    Severity Severity,
    string ClassifierVersion,
    DateTimeOffset ClassifiedAt);

/// <summary>A country found in an article; primary countries are what the article is about and get alerts.</summary>
public sealed record CountryMention(string Code, int Mentions, bool Primary);

/// <summary>A security topic with its score and the phrases that raised it.</summary>
public sealed record TopicScore(string Id, double Score, IReadOnlyList<string> Evidence);
