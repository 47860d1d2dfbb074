using Microsoft.Extensions.DependencyInjection;

namespace Monitoring.Classification;

public static class ClassificationServices
{
    /// <summary>The article classifier, loaded once per process.</summary>
    public static IServiceCollection AddArticleClassifier(this IServiceCollection services) =>
        services.AddSingleton<IArticleClassifier, RuleClassifier>();
}
