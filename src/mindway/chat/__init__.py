"""The CBT chat companion: risk screening first, then support, skills, screening and handoff.

``mindway.chat.safety`` screens every text a person types anywhere in Mindway;
``mindway.chat.dialogue`` holds the conversation flows (data in ``chat/data``).
"""
