using Comb.Contracts;
using Comb.VulnDb.Database;
using Comb.VulnDb.Matching;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Comb.VulnDb;

public static class ServiceCollectionExtensions
{
    /// <summary>Vulnerability matching stage (order 100) with the host's match memos and the seeder that fills them from stored scans, the presentation filter for its findings, the advisory database commands' services, and the published secret values the database holds.</summary>
    public static IServiceCollection AddCombVulnDb(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<MatchMemos>();
        services.TryAddSingleton<StoredMatchSeeder>();
        services.AddSingleton<IScanStage>(sp => new VulnerabilityScanStage(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<MatchMemos>()));
        services.AddSingleton<IReportFilter>(sp => new Filtering.VulnerabilityReportFilter(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IPublishedSecretValueSource, PublishedSecretValueStore>();
        services.TryAddSingleton(sp => new DbImporter(sp.GetRequiredService<TimeProvider>(), sp.GetService<IPublishedSecretValueReader>()));
        services.TryAddSingleton(sp => new DbUpdater(new HttpClient { Timeout = TimeSpan.FromMinutes(10) }, sp.GetRequiredService<TimeProvider>(), sp.GetService<IPublishedSecretValueReader>()));
        services.TryAddSingleton(sp => new DbCommandHandlers(
            sp.GetRequiredService<DbUpdater>(), sp.GetRequiredService<DbImporter>(), sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
