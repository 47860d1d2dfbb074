using JasperFx.CommandLine;

namespace Monitoring.Alerts.Articles;

public sealed class ReclassifyInput : NetCoreInput
{
    [Description("Articles read and classified per page")]
    public int PageSizeFlag { get; set; } = 500;
}

/// <summary><c>dotnet run --project services/Alerts -- reclassify</c>.</summary>
[Description("Re-run the current classifier over the whole history and record ArticleReclassified where the verdict changed")]
public sealed class ReclassifyCommand : JasperFxAsyncCommand<ReclassifyInput>
{
    public override async Task<bool> Execute(ReclassifyInput input)
    {
        using var host = input.BuildHost();
        var reclassifier = host.Services.GetRequiredService<ArticleReclassifier>();
        var report = await reclassifier.RunAsync(input.PageSizeFlag, CancellationToken.None);
        Console.WriteLine($"{report.Examined} articles examined, {report.Reclassified} reclassified, " +
                          $"{report.Conflicts} retried after concurrent changes (classifier {report.ClassifierVersion})");
        return true;
    }
}
