"""The integration layer: experiments over the envs, data, world model and planners."""
