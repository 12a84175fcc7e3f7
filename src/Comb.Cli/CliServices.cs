using Comb.Analyzers;
using Comb.Checks;
using Comb.Malware;
using Comb.Reporting;
using Comb.Secrets;
using Comb.VulnDb;
using Comb.Engine;
using Comb.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Cli;

/// <summary>Composes every area of Comb into one service provider; each area registers itself explicitly.</summary>
public static class CliServices
{
    public static ServiceProvider Build()
    {
        var services = new ServiceCollection();
        services.AddCombEngine();
        services.AddCombAnalyzers();
        services.AddCombVulnDb();
        services.AddCombSecrets();
        services.AddCombMalware();
        services.AddCombChecks();
        services.AddCombReporting();
        services.AddCombStorage();
        return services.BuildServiceProvider();
    }
}
