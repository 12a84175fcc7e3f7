namespace Comb.Server.Registries;

/// <summary>Registry scanning settings, from the "Comb" section.</summary>
public sealed class RegistrySettings
{
    /// <summary>How often the scheduler looks for registries whose cron schedule is due.</summary>
    public double ScheduleCheckSeconds { get; set; } = 60;

    /// <summary>Page size asked of /v2/_catalog and /v2/NAME/tags/list (the registry may answer less and link the next page).</summary>
    public int RegistryPageSize { get; set; } = 100;

    /// <summary>Attempts per registry request on 429 and 5xx (Retry-After honoured) before the scan records the error.</summary>
    public int RegistryMaxAttempts { get; set; } = 5;

    /// <summary>Longest wait between two attempts, whatever Retry-After asks.</summary>
    public double RegistryMaxRetrySeconds { get; set; } = 120;
}
