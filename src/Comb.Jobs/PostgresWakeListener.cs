using Microsoft.Extensions.Logging;
using Npgsql;

namespace Comb.Jobs;

/// <summary>
/// Holds one connection in LISTEN on the queue's channel and wakes idle slots on every notification. Reconnects after
/// a server restart; after each (re)connect it wakes the slots once, because notifications sent while it was away are lost.
/// </summary>
internal sealed class PostgresWakeListener(JobQueue queue, TimeSpan retryDelay, ILogger logger)
{
    private static readonly TimeSpan IdleCheck = TimeSpan.FromSeconds(30);
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the first LISTEN is in place.</summary>
    public Task Listening => _listening.Task;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = (NpgsqlConnection)await queue.Db.OpenAsync(cancellationToken).ConfigureAwait(false);
                connection.Notification += (_, _) => queue.Wake.Signal();
                await JobDb.ExecuteAsync(connection, null, $"LISTEN {JobQueue.Channel}", cancellationToken).ConfigureAwait(false);
                queue.Wake.Signal();
                _listening.TrySetResult();
                while (true)
                {
                    // A silent network loss never ends WaitAsync; a periodic query finds it.
                    if (!await connection.WaitAsync(IdleCheck, cancellationToken).ConfigureAwait(false))
                    {
                        await JobDb.ExecuteAsync(connection, null, "SELECT 1", cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning("job queue listener lost its connection ({Error}); reconnecting", ex.Message);
                queue.Db.ForgetIdleConnections(ex);
                try
                {
                    await Task.Delay(retryDelay, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
