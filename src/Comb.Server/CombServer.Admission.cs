using Comb.Contracts;
using Comb.Server.Admission;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Server;

/// <summary>
/// The admission webhook (`comb server --admission`): HTTPS with the given certificate on the listen address, the
/// review endpoint, and the decisions trail under /api/v1 (which is there with or without the webhook).
/// </summary>
public static partial class CombServer
{
    private static void AddAdmission(WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(AdmissionSettings.Section);
        builder.Services.AddOptions<AdmissionSettings>().Bind(section);
        builder.Services.AddSingleton<AdmissionCache>();
        builder.Services.AddSingleton<DecisionCache>();
        builder.Services.AddSingleton<AdmissionPolicy>();
        builder.Services.AddSingleton<DigestResolver>();
        builder.Services.AddSingleton<ImageJudge>();
        builder.Services.AddSingleton<AdmissionDecisionLog>();
        builder.Services.AddSingleton<AdmissionReviewer>();
        builder.Services.AddHostedService<AdmissionStartup>();

        var settings = section.Get<AdmissionSettings>() ?? new AdmissionSettings();
        if (!settings.Enabled)
        {
            return;
        }

        if (settings.Validate() is { } problem)
        {
            throw new CombInputException(problem);
        }

        // Read again when the files change (a rotated secret), for each new connection; see ServingCertificate.
        var certificate = ServingCertificate.Load(settings.TlsCert!, settings.TlsKey!, TimeProvider.System);
        builder.Services.AddSingleton(certificate);
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https => https.ServerCertificateSelector = (_, _) => certificate.Current));

        // The API server only speaks HTTPS to webhooks: the listen address is served over TLS, whatever its scheme says.
        var listen = builder.Configuration[$"{ServerSettings.Section}:{nameof(ServerSettings.Listen)}"] ?? "https://127.0.0.1:8443";
        builder.WebHost.UseUrls(listen.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ? "https://" + listen["http://".Length..] : listen);
    }

    private static void MapAdmission(WebApplication app, RouteGroupBuilder api)
    {
        AdmissionEndpoints.MapDecisions(api);
        if (app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AdmissionSettings>>().Value.Enabled)
        {
            AdmissionEndpoints.MapWebhook(app);
        }
    }
}
