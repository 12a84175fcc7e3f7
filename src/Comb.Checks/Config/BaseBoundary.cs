using Comb.Contracts;

namespace Comb.Checks.Config;

/// <summary>
/// Estimates how many of an image's layers come from its base image, so checks can blame the image's own layers.
/// The config does not record FROM, so the rule is: a base image's history ends with its CMD or ENTRYPOINT; when such
/// a metadata-only step is followed by more filesystem layers, those later layers were added on top of a base.
/// The last such boundary wins. With no boundary every layer counts as the image's own.
/// ScanOptions.ConfigChecks.BaseLayers overrides the estimate.
/// </summary>
public static class BaseBoundary
{
    public static int BaseLayerCount(ImageMetadata image, ScanOptions options)
    {
        if (options.ConfigChecks.BaseLayers is >= 0 and var forced)
        {
            return Math.Min(forced, image.Layers.Count);
        }

        var history = image.Config.History ?? [];
        var layersSoFar = 0;
        var boundary = 0;
        var pendingBoundary = false;
        foreach (var entry in history)
        {
            if (entry.EmptyLayer)
            {
                var step = HistoryStep.Parse(entry.CreatedBy ?? "");
                if (step.Instruction is "CMD" or "ENTRYPOINT")
                {
                    pendingBoundary = true;
                }

                continue;
            }

            if (pendingBoundary)
            {
                boundary = layersSoFar;
                pendingBoundary = false;
            }

            layersSoFar++;
        }

        return Math.Min(boundary, image.Layers.Count);
    }

    /// <summary>The index into <see cref="ImageConfig.History"/> of the entry that made each layer.</summary>
    public static IReadOnlyList<int> HistoryIndexByLayer(ImageMetadata image)
    {
        var result = new List<int>();
        var history = image.Config.History ?? [];
        for (var i = 0; i < history.Count; i++)
        {
            if (!history[i].EmptyLayer)
            {
                result.Add(i);
            }
        }

        return result;
    }
}
