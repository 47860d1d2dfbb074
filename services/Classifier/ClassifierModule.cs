using Monitoring.Classification;

namespace Monitoring.Classifier;

public static class ClassifierModule
{
    public static WebApplicationBuilder AddClassifier(this WebApplicationBuilder builder)
    {
        builder.Services.AddArticleClassifier();
        builder.Services.AddSingleton<ArticleClassification>();
        return builder;
    }
}
