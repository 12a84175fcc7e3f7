namespace Comb.Jobs.Tests;

/// <summary>Waits for a state the workers will reach, failing the test (not hanging it) if they never do.</summary>
internal static class JobPolling
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    public static async Task<JobRecord> UntilAsync(JobQueue queue, string id, Func<JobRecord, bool> done)
    {
        var deadline = DateTime.UtcNow + Limit;
        while (true)
        {
            var job = await queue.GetAsync(id, TestContext.Current.CancellationToken);
            if (job is not null && done(job))
            {
                return job;
            }

            Assert.True(DateTime.UtcNow < deadline, $"job {id} still {job?.State} after {Limit}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Waits until no job is queued or running and returns the counts by state.</summary>
    public static async Task<IReadOnlyDictionary<JobState, long>> UntilSettledAsync(JobQueue queue, Func<string>? describe = null)
    {
        var deadline = DateTime.UtcNow + Limit;
        while (true)
        {
            var counts = await queue.CountByStateAsync(TestContext.Current.CancellationToken);
            if (counts[JobState.Queued] == 0 && counts[JobState.Running] == 0)
            {
                return counts;
            }

            Assert.True(DateTime.UtcNow < deadline, $"jobs not settled after {Limit}: {string.Join(", ", counts)} {describe?.Invoke()}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
