using Comb.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Comb.Reporting;

public static class ServiceCollectionExtensions
{
    /// <summary>Registers one <see cref="IReportWriter"/> per output format.</summary>
    public static IServiceCollection AddCombReporting(this IServiceCollection services)
    {
        services.TryAddSingleton(new TableWriterOptions());
        services.AddSingleton<IReportWriter>(sp => new TableReportWriter(sp.GetRequiredService<TableWriterOptions>()));
        services.AddSingleton<IReportWriter, JsonReportWriter>();
        services.AddSingleton<IReportWriter, SarifReportWriter>();
        services.AddSingleton<IReportWriter, CycloneDxReportWriter>();
        services.AddSingleton<IReportWriter, SpdxReportWriter>();
        services.AddSingleton<IReportWriter, JunitReportWriter>();
        services.AddSingleton<IReportWriter, GitlabReportWriter>();
        return services;
    }
}
