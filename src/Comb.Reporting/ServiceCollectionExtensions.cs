using Comb.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Comb.Reporting;

public static class ServiceCollectionExtensions
{
    /// <summary>Registers one <see cref="IReportWriter"/> per output format of <see cref="ReportFormats"/>.</summary>
    public static IServiceCollection AddCombReporting(this IServiceCollection services)
    {
        services.TryAddSingleton(new TableWriterOptions());
        foreach (var format in ReportFormats.All)
        {
            services.AddSingleton(sp => format.Create(sp.GetRequiredService<TableWriterOptions>()));
        }

        return services;
    }
}
