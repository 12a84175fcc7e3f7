namespace Comb.VulnDb.Tests.Cvss;

internal static class Cvss3Access
{
    public static double RoundUp(double x) => Comb.VulnDb.Cvss.Cvss3.RoundUp(x);
}
