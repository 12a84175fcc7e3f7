namespace Comb.Jobs;

/// <summary>Exponential backoff with jitter between attempts of a job that failed upstream.</summary>
internal static class Backoff
{
    /// <summary>The delay after failed attempt <paramref name="attempt"/> (1-based): base × 2^(attempt-1), capped, plus up to jitter × that.</summary>
    public static TimeSpan After(int attempt, JobQueueOptions options, double random)
    {
        var exponent = Math.Min(Math.Max(attempt - 1, 0), 30);
        var ticks = Math.Min(options.BackoffBase.Ticks * Math.Pow(2, exponent), options.BackoffMax.Ticks);
        return TimeSpan.FromTicks((long)(ticks * (1 + (options.BackoffJitter * random))));
    }
}
