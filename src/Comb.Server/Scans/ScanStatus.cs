using Comb.Jobs;

namespace Comb.Server.Scans;

/// <summary>A scan job's state as the API and the console name it (the contract's status values).</summary>
public static class ScanStatus
{
    public static string Of(JobState state) => state switch
    {
        JobState.Queued => "queued",
        JobState.Running => "running",
        JobState.Succeeded => "succeeded",
        JobState.Cancelled => "cancelled",
        _ => "failed",
    };
}
