using Comb.Checks;
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
        services.AddCombStorage();
        services.AddCombChecks();
        return services.BuildServiceProvider();
    }
}
