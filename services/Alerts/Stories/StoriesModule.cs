using JasperFx.Events.Projections;
using Marten;

namespace Monitoring.Alerts.Stories;

/// <summary>Stories' part of the Alerts service: the assigner and its helpers, the read model and its documents.</summary>
public static class StoriesModule
{
    public static IServiceCollection AddStories(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(StoryOptions.From(configuration));
        services.AddSingleton<ArticleFingerprinter>();
        services.AddSingleton<StoryProgress>();
        services.AddSingleton<StoryLinks>();
        services.AddSingleton<StoryAssigner>();
        services.AddHostedService(provider => provider.GetRequiredService<StoryAssigner>());
        return services;
    }

    public static StoreOptions AddStoryModel(this StoreOptions options)
    {
        options.Projections.Add(new StoryProjection(), ProjectionLifecycle.Async);
        options.Schema.For<Story>()
            .Duplicate(s => s.LastUpdated)
            .Duplicate(s => s.LastSurgeAt!);
        // StoryArticleEntry's columns and index: StoryArticleEntry.ConfigureMarten.
        options.Schema.For<StoryArticleEntry>();
        options.Schema.For<StoryMemory>().Duplicate(s => s.LastSeen);
        options.Schema.For<StoryMember>().Duplicate(m => m.StoryId);
        options.Schema.For<ArticleStory>();
        options.Schema.For<StoryBaselineCell>();
        options.Schema.For<StoryAssignerCheckpoint>().UseNumericRevisions(true);
        return options;
    }
}
