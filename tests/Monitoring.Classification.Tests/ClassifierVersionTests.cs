namespace Monitoring.Classification.Tests;

public sealed class ClassifierVersionTests
{
    [Fact]
    public void The_version_is_stable_for_the_same_data_and_changes_when_any_data_file_changes()
    {
        var data = ClassifierData.Embedded();
        Assert.Equal(data.Version, ClassifierData.Embedded().Version);
        Assert.StartsWith("classifier-" + ClassifierData.CodeVersion + "+", data.Version);
        foreach (var file in ClassifierData.FileNames)
        {
            var changed = data.With(file, "# one more line\n" + string.Join('\n', data.Rows(file).Select(r => string.Join('\t', r.Fields))));
            Assert.NotEqual(data.Version, changed.Version);
        }
    }

    [Fact]
    public void A_classifier_built_on_changed_data_reports_the_new_version()
    {
        var data = ClassifierData.Embedded();
        var changed = data.With("topics.tsv", "cyber\ten\t2.5\tbotnet\n" + string.Join('\n', data.Rows("topics.tsv").Select(r => string.Join('\t', r.Fields))));
        var classifier = new MultilingualClassifier(changed);
        Assert.NotEqual(SharedClassifier.Instance.Version, classifier.Version);
        Assert.Contains(classifier.Classify(new ArticleText("b", "Botnet takes down bank websites", "")).Topics, t => t.Id == Contracts.Topics.Cyber);
    }

    [Fact]
    public void A_broken_data_line_is_reported_with_its_file_and_line()
    {
        var data = ClassifierData.Embedded().With("topics.tsv", "not-a-topic\ten\t1\tword\n");
        var error = Assert.Throws<InvalidDataException>(() => new MultilingualClassifier(data));
        Assert.Contains("topics.tsv line 1", error.Message);
    }

    [Fact]
    public void The_classifier_is_registered_once_through_AddArticleClassifier()
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection().AddArticleClassifier().AddArticleClassifier();
        Assert.Single(services, d => d.ServiceType == typeof(IArticleClassifier));
    }
}
