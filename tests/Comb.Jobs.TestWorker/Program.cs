using System.Globalization;
using System.Text.Json;
using Comb.Jobs;

// A worker process for the queue's crash tests: runs "record" jobs from STORE until killed or stdin closes.
// Usage: STORE OWNER SLOTS LEASE_MS POLL_MS. Prints "start ID" and "done ID" lines as jobs begin and are recorded.
if (args.Length != 5)
{
    Console.Error.WriteLine("usage: STORE OWNER SLOTS LEASE_MS POLL_MS");
    return 2;
}

static int Number(string text) => int.Parse(text, CultureInfo.InvariantCulture);

var lease = TimeSpan.FromMilliseconds(Number(args[3]));
await using var queue = await JobQueue.OpenAsync(args[0], new JobQueueOptions { LeaseDuration = lease, BackoffBase = TimeSpan.FromMilliseconds(100) }, CancellationToken.None);
var worker = new JobWorker(queue, [new RecordHandler(args[1])], new JobWorkerOptions
{
    Owner = args[1],
    Slots = Number(args[2]),
    PollInterval = TimeSpan.FromMilliseconds(Number(args[4])),
    ErrorDelay = TimeSpan.FromMilliseconds(200),
});
using var stop = new CancellationTokenSource();
_ = Task.Run(async () =>
{
    await Console.In.ReadToEndAsync();
    await stop.CancelAsync();
});
Console.WriteLine("ready");
await worker.RunAsync(stop.Token);
return 0;

/// <summary>Waits the payload's "ms", then records the job in job_done (job id unique) in the job's own completing transaction.</summary>
internal sealed class RecordHandler(string owner) : IJobHandler
{
    private static readonly Lock Output = new();

    public string Kind => "record";

    public async Task<string?> HandleAsync(JobContext context, CancellationToken cancellationToken)
    {
        Say("start " + context.JobId);
        using var payload = JsonDocument.Parse(context.Payload);
        await Task.Delay(payload.RootElement.GetProperty("ms").GetInt32(), cancellationToken);
        var recorded = await context.CompleteWithAsync(async (connection, transaction, ct) =>
        {
            await using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO job_done (job_id, owner) VALUES (@id, @owner)";
            foreach (var (name, value) in new[] { ("id", context.JobId), ("owner", owner) })
            {
                var parameter = insert.CreateParameter();
                parameter.ParameterName = name;
                parameter.Value = value;
                insert.Parameters.Add(parameter);
            }

            await insert.ExecuteNonQueryAsync(ct);
        }, null, cancellationToken);
        if (recorded)
        {
            Say("done " + context.JobId);
        }

        return null;
    }

    private static void Say(string line)
    {
        lock (Output)
        {
            Console.WriteLine(line);
            Console.Out.Flush();
        }
    }
}
