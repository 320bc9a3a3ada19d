"""Digital therapeutics: CBT and mindfulness content, programmes, exercises, insights, JITAI."""
