namespace Comb.VulnDb.Cvss;

internal static class Cvss4Access
{
    public static decimal? Unrounded(string vector) => Cvss4.Unrounded(vector);
}
