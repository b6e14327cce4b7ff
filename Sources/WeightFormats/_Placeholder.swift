// WeightFormats
