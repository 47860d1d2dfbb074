using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Monitoring.Classification;

public static class ClassificationServiceCollectionExtensions
{
    /// <summary>Registers the one <see cref="IArticleClassifier"/> of the process (loaded on first use, in well under a second).</summary>
    public static IServiceCollection AddArticleClassifier(this IServiceCollection services)
    {
        services.TryAddSingleton<IArticleClassifier, MultilingualClassifier>();
        return services;
    }
}
