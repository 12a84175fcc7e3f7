using Comb.Contracts;

namespace Comb.Analyzers.Language.Python;

internal static class PythonNames
{
    /// <summary>PEP 503 normalisation.</summary>
    public static string Normalize(string name) => PythonPackageName.Normalize(name);

    public static string Purl(string name, string version) =>
        PackageUrl.Create(PackageTypes.PyPI, null, Normalize(name), version.Length == 0 ? null : version);
}
