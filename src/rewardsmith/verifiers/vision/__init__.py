"""Grounding rewards for vision-language and GUI agents: boxes, clicks, keypoints and masks.

Each component reads coordinates from the completion (:mod:`.parse`), brings prediction and
reference into one coordinate frame (:mod:`.frame`, with the image size from the record or the
image file), and applies a paper's formula (:mod:`.geometry`). A record that cannot be read
(no reference, no image size where one is needed) is an error result of kind ``bad_input``; a
completion without a usable answer earns the component's floor, as a wrong answer does.
"""
