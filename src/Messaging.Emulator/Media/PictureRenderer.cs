using System.Globalization;

namespace Messaging.Emulator.Media;

/// <summary>
/// Draws the "generated image": a small picture whose colours and shapes follow from the prompt's
/// hash — a vertical gradient sky, a sun and a skyline of blocks — so the same prompt always gives
/// the same PNG and different prompts give visibly different ones.
/// </summary>
internal static class PictureRenderer
{
    private const int ShortSide = 32;

    public static (int Width, int Height) Size(string? aspectRatio)
    {
        if (aspectRatio is null)
        {
            return (ShortSide, ShortSide);
        }

        var parts = aspectRatio.Split(':');
        var across = int.Parse(parts[0], CultureInfo.InvariantCulture);
        var down = int.Parse(parts[1], CultureInfo.InvariantCulture);
        return across >= down
            ? ((int)Math.Round(ShortSide * (double)across / down), ShortSide)
            : (ShortSide, (int)Math.Round(ShortSide * (double)down / across));
    }

    public static byte[] RenderPng(ulong hash, int width, int height)
    {
        var top = Colour(hash);
        var bottom = Colour(hash >> 24);
        var sun = Colour(~hash);
        var sunX = (int)(hash % (ulong)width);
        var sunY = height / 4;
        var sunRadius = Math.Max(3, Math.Min(width, height) / 6);
        var pixels = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var colour = Blend(top, bottom, y / (double)Math.Max(1, height - 1));
                var dx = x - sunX;
                var dy = y - sunY;
                if ((dx * dx) + (dy * dy) <= sunRadius * sunRadius)
                {
                    colour = sun;
                }

                // A skyline: blocks whose heights come from the hash, in a darker shade.
                var block = (x / 4) % 8;
                var buildingHeight = (int)((hash >> (block * 4)) & 0xF) * height / 40;
                if (y >= height - buildingHeight)
                {
                    colour = ((byte)(bottom.R / 3), (byte)(bottom.G / 3), (byte)(bottom.B / 3));
                }

                var offset = ((y * width) + x) * 3;
                pixels[offset] = colour.R;
                pixels[offset + 1] = colour.G;
                pixels[offset + 2] = colour.B;
            }
        }

        return PngEncoder.Encode(width, height, pixels);
    }

    private static (byte R, byte G, byte B) Colour(ulong bits) =>
        ((byte)(bits & 0xFF), (byte)((bits >> 8) & 0xFF), (byte)((bits >> 16) & 0xFF));

    private static (byte R, byte G, byte B) Blend((byte R, byte G, byte B) from, (byte R, byte G, byte B) to, double t) =>
        ((byte)(from.R + ((to.R - from.R) * t)), (byte)(from.G + ((to.G - from.G) * t)), (byte)(from.B + ((to.B - from.B) * t)));
}
