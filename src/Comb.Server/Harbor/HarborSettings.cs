namespace Comb.Server.Harbor;

/// <summary>Harbor adapter settings, in the server's "Comb" section (environment Comb__HarborRefreshAfterSeconds=N).</summary>
public sealed class HarborSettings
{
    /// <summary>The Refresh-After Harbor is told while a scan runs: how long it waits before asking for the report again.</summary>
    public int HarborRefreshAfterSeconds { get; set; } = 5;
}
