using Microsoft.AspNetCore.Routing;

namespace Comb.Server.WebConsole;

/// <summary>The views of the registries, the runtime watch and the admission webhook, mapped with the console's other pages.</summary>
public static class ConsoleViews
{
    public static void Map(RouteGroupBuilder read)
    {
        RegistriesPage.Map(read);
        RuntimePage.Map(read);
        AdmissionPage.Map(read);
    }
}
