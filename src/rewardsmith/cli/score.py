"""``rewardsmith score``: placeholder replaced below."""
